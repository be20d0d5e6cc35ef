import type { WsEnvelope } from '@hearth/shared';
import WebSocket from 'ws';

/** A dashboard as a test drives it: records every message and waits for the one it expects. */
export class WsTestClient {
  readonly messages: WsEnvelope[] = [];
  private waiters: { match: (m: WsEnvelope) => boolean; resolve: (m: WsEnvelope) => void }[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as WsEnvelope;
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static connect(
    baseUrl: string,
    token: string,
    via: 'header' | 'query' = 'query',
    path = '/ws',
  ): Promise<WsTestClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}${path}${via === 'query' ? `?token=${encodeURIComponent(token)}` : ''}`;
    const socket = new WebSocket(
      url,
      via === 'header' ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsTestClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), {
              status: res.statusCode,
              body,
            }),
          ),
        );
      });
      socket.once('error', reject);
    });
  }

  send(msg: Partial<WsEnvelope> & { type: WsEnvelope['type'] }): void {
    this.socket.send(JSON.stringify({ topic: '', ...msg }));
  }

  /** The first message (already received or future) matching `match`. @throws after `timeoutMs`. */
  next(match: (m: WsEnvelope) => boolean, timeoutMs = 3000): Promise<WsEnvelope> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      const done = (m: WsEnvelope) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Subscribes and waits for the snapshot. */
  async subscribe(topic: string, data?: unknown): Promise<WsEnvelope> {
    const before = this.messages.length;
    this.send({ type: 'subscribe', topic, ...(data !== undefined && { data }) });
    return this.next(
      (m) =>
        this.messages.indexOf(m) >= before &&
        m.topic === topic &&
        (m.type === 'snapshot' || m.type === 'error'),
    );
  }

  close(): void {
    this.socket.close();
  }
}

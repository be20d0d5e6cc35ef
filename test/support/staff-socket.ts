// A staff dashboard's WebSocket, as a test drives it: subscribe to a topic and wait for updates.
import WebSocket from 'ws';

export interface Envelope {
  type: string;
  topic: string;
  data?: unknown;
  id?: string | number;
}

export class StaffSocket {
  readonly received: Envelope[] = [];
  private waiters: { match: (m: Envelope) => boolean; resolve: (m: Envelope) => void }[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as Envelope;
      this.received.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  static async connect(baseUrl: string, accessToken: string): Promise<StaffSocket> {
    const url = new URL('/ws', baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${accessToken}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new StaffSocket(socket);
  }

  send(message: Envelope): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the first message (already received or future) that `match` accepts. */
  next(match: (m: Envelope) => boolean, timeoutMs = 10_000): Promise<Envelope> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no matching message within ${timeoutMs} ms; got: ${JSON.stringify(this.received.slice(-5))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}

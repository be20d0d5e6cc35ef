import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { SensorEvent } from '@hearth/shared';
import { UploadError } from '../../src/uplink/cloud-link.js';
import { MemoryCloud, type MemoryHub } from '../../src/uplink/fake-cloud-link.js';

/**
 * The in-memory cloud (`MemoryCloud`, which `src/uplink/uplink.test.ts` checks against the real
 * `hearth-cloud`) served over real HTTP for tests that run the agent as a process: claim, config
 * and events, stored idempotently by seq. Tests steer it: fail requests, hang, or drop the
 * connection after committing a batch.
 */
export class TestCloud {
  readonly memory = new MemoryCloud();
  private readonly hub: MemoryHub = this.memory.addHub(randomUUID());
  readonly hubId = this.hub.hubId;
  readonly seniorId = this.hub.seniorId;
  readonly apiKey = this.hub.apiKey;
  /** Events held, by seq (first write wins, like the real cloud). */
  readonly events: Map<number, SensorEvent> = this.hub.events;
  /** Seqs uploaded again with content different from what is held: a hub reusing a seq. */
  readonly conflicts: number[] = this.hub.conflicts;
  /** Every upload request's seqs, in arrival order, duplicates included. */
  readonly batches: number[][] = [];
  readonly pairingCodes = new Set<string>(['ABCD-1234']);
  /** What GET /hub/config answers besides the identity fields. */
  get home(): Record<string, unknown> {
    return this.memory.home;
  }
  set home(value: Record<string, unknown>) {
    this.memory.home = value;
  }
  private failures: number[] = [];
  private resets = 0;
  private hangs = 0;
  /** Uploads containing an event from this sensor are refused as invalid, like a schema the cloud does not accept. */
  refuseSensor: string | null = null;
  /** Uploads containing an event from this sensor answer 500, like a cloud whose database chokes on it. */
  crashOnSensor: string | null = null;
  private server: Server | null = null;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => send(res, 500, envelope('INTERNAL', String(error))));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The highest seq held with no gap below it. */
  ackedThroughSeq(): number {
    let seq = 0;
    while (this.events.has(seq + 1)) seq++;
    return seq;
  }

  /** The next `count` uploads answer `status` without storing anything. */
  fail(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.failures.push(status);
  }

  /** The next `count` uploads are never answered, like a cloud stuck behind a dead proxy. */
  hang(count = 1): void {
    this.hangs += count;
  }

  /** The next `count` uploads are stored, then the connection is destroyed before the answer. */
  resetAfterCommit(count = 1): void {
    this.resets += count;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/api/v1/hubs/claim') {
      const body = JSON.parse(raw.toString('utf8')) as { code?: string; deviceId?: string };
      if (!body.code || !this.pairingCodes.delete(body.code)) {
        return send(res, 404, envelope('NOT_FOUND', 'pairing code unknown, used or expired'));
      }
      return send(res, 200, { hubId: this.hubId, apiKey: this.apiKey, seniorId: this.seniorId });
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return send(res, 401, envelope('UNAUTHENTICATED', 'unknown hub key'));
    }
    if (req.method === 'GET' && path === '/api/v1/hub/config') {
      return send(res, 200, await this.memory.fetchConfig({ cloudUrl: this.url, apiKey: this.apiKey }));
    }
    if (req.method === 'POST' && path === '/api/v1/hub/events') {
      if (this.hangs > 0) {
        this.hangs--;
        return;
      }
      const failure = this.failures.shift();
      if (failure) return send(res, failure, envelope('INTERNAL', 'the cloud is having a bad day'));
      const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const events = (JSON.parse(json.toString('utf8')) as { events?: SensorEvent[] }).events ?? [];
      const refuse = (sensor: string | null) => sensor !== null && events.some((e) => e?.sensorId === sensor);
      if (refuse(this.refuseSensor))
        return send(
          res,
          400,
          envelope('VALIDATION_FAILED', `events: sensor ${this.refuseSensor} is not accepted`),
        );
      if (refuse(this.crashOnSensor)) return send(res, 500, envelope('INTERNAL', 'internal error'));
      let acked: number;
      try {
        acked = await this.memory.uploadEvents({ cloudUrl: this.url, apiKey: this.apiKey }, events);
      } catch (error) {
        if (!(error instanceof UploadError)) throw error;
        const code = error.kind === 'refused' ? 'VALIDATION_FAILED' : 'HUB_MISMATCH';
        return send(res, error.status ?? 400, envelope(code, error.message));
      }
      this.batches.push(events.map((e) => e.seq));
      if (this.resets > 0) {
        this.resets--;
        req.socket.destroy();
        return;
      }
      return send(res, 200, { ackedThroughSeq: acked });
    }
    send(res, 404, envelope('NOT_FOUND', `no route ${req.method} ${path}`));
  }
}

function envelope(code: string, message: string) {
  return { error: { code, message } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { HttpCloudLink } from '../uplink/http-cloud-link.js';
import { sha256Hex } from './anomaly-model.js';
import { ModelFiles } from './model-files.js';
import { ModelSlot } from './model-slot.js';
import { ModelUpdater } from './updater.js';

const testdata = join(import.meta.dirname, 'testdata');
const good = readFileSync(join(testdata, 'routine.onnx'));
const badProbe = readFileSync(join(testdata, 'routine-bad-probe.onnx'));
const API_KEY = 'hk_test_key';

/** A stand-in for the cloud's two model routes, on a real socket. */
class ModelServer {
  offered: { bytes: Buffer; version: number; sha256?: string } | undefined;
  failWith: number | undefined;
  readonly requests: { path: string; ifNoneMatch?: string; auth?: string }[] = [];
  readonly reports: unknown[] = [];
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests.push({
      path: req.url ?? '',
      ifNoneMatch: req.headers['if-none-match'],
      auth: req.headers.authorization,
    });
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return res.writeHead(401).end();
    if (req.method === 'POST' && req.url === '/api/v1/hub/model/status') {
      this.reports.push(JSON.parse(Buffer.concat(chunks).toString()));
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"recorded":true}');
    }
    if (this.failWith) return res.writeHead(this.failWith).end();
    if (!this.offered) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{}}');
    const sha = this.offered.sha256 ?? sha256Hex(this.offered.bytes);
    const etag = `"${sha}"`;
    if (
      (req.headers['if-none-match'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .includes(etag)
    ) {
      return res.writeHead(304, { etag }).end();
    }
    res
      .writeHead(200, {
        'content-type': 'application/octet-stream',
        etag,
        'hearth-model-version': String(this.offered.version),
        'hearth-model-sha256': sha,
      })
      .end(this.offered.bytes);
  }
}

describe('ModelUpdater against a real HTTP server', () => {
  let server: ModelServer;
  let dir: string;
  const made: ModelSlot[] = [];

  beforeEach(async () => {
    server = new ModelServer();
    await server.start();
    dir = mkdtempSync(join(tmpdir(), 'hearth-models-'));
  });
  afterEach(async () => {
    for (const s of made.splice(0)) await s.clear();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const updater = (slot = new ModelSlot()) => {
    made.push(slot);
    const u = new ModelUpdater({
      link: new HttpCloudLink(),
      identity: () => ({ cloudUrl: server.url, apiKey: API_KEY }),
      slot,
      files: new ModelFiles(dir),
      clock: new FakeClock(),
    });
    return { u, slot };
  };

  it('installs the active model, then asks again by ETag and gets nothing new', async () => {
    const { u, slot } = updater();
    expect(await u.check()).toEqual({ status: 'none' });
    expect(slot.current()).toBeNull();
    server.offered = { bytes: good, version: 3 };
    expect(await u.check()).toMatchObject({ status: 'installed', version: '3', sha256: sha256Hex(good) });
    expect(slot.current()?.version).toBe('3');
    expect(await u.check()).toEqual({ status: 'unchanged' });
    expect(server.requests.at(-1)?.ifNoneMatch).toBe(`"${sha256Hex(good)}"`);
    expect(server.reports).toEqual([{ version: 3, sha256: sha256Hex(good), status: 'active' }]);
  });

  it('rejects a model that fails its probe, keeps the current one, tells the cloud, and does not fetch it again', async () => {
    const { u, slot } = updater();
    server.offered = { bytes: good, version: 1 };
    await u.check();
    server.offered = { bytes: badProbe, version: 2 };
    const outcome = await u.check();
    expect(outcome).toMatchObject({ status: 'rejected', version: '2' });
    expect(slot.current()?.version).toBe('1');
    expect(server.reports.at(-1)).toMatchObject({
      version: 2,
      status: 'rejected',
      reason: expect.stringMatching(/sanity/),
    });
    expect(await u.check()).toEqual({ status: 'unchanged' });
  });

  it('rejects a download whose bytes do not match the advertised sha256', async () => {
    const { u, slot } = updater();
    server.offered = { bytes: good.subarray(0, good.length - 100), version: 4, sha256: sha256Hex(good) };
    expect(await u.check()).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/sha256/) });
    expect(slot.current()).toBeNull();
  });

  it('keeps the current model through cloud errors and an unreachable cloud', async () => {
    const { u, slot } = updater();
    server.offered = { bytes: good, version: 1 };
    await u.check();
    server.failWith = 503;
    expect(await u.check()).toMatchObject({ status: 'failed', reason: expect.stringMatching(/503/) });
    await server.stop();
    expect(await u.check()).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/download failed/),
    });
    expect(slot.current()?.version).toBe('1');
    await server.start();
  });

  it('starts with the model it kept on disk, offline, and fetches on a control-channel notice', async () => {
    const first = updater();
    server.offered = { bytes: good, version: 5 };
    await first.u.check();
    await server.stop();

    const second = updater();
    await second.u.start();
    expect(second.slot.current()?.version).toBe('5');
    await second.u.stop();
    await server.start();

    const third = updater();
    expect(await third.u.onNotice({ version: 5, sha256: sha256Hex(good) })).toMatchObject({
      status: 'installed',
    });
    expect(await third.u.onNotice({ version: 5, sha256: sha256Hex(good) })).toEqual({ status: 'unchanged' });
  });

  it('polls on the hub clock', async () => {
    const slot = new ModelSlot();
    made.push(slot);
    const clock = new FakeClock();
    const u = new ModelUpdater({
      link: new HttpCloudLink(),
      identity: () => ({ cloudUrl: server.url, apiKey: API_KEY }),
      slot,
      files: new ModelFiles(dir),
      clock,
      pollIntervalMs: 60_000,
    });
    await u.start();
    await u.check();
    server.offered = { bytes: good, version: 8 };
    clock.advance(60_000);
    await u.check();
    expect(slot.current()?.version).toBe('8');
    await u.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

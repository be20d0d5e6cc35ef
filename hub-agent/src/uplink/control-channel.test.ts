// Over ~300 lines: every behaviour of the one control channel against one tiny WebSocket cloud.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Alert, CONTROL_PROTOCOL_VERSION } from '@hearth/shared';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { eventually } from '../../test/support/eventually.js';
import { FakeClock } from '../clock.js';
import { CredentialsBox } from '../config/credentials-source.js';
import { controlUrl } from './cloud-link.js';
import { ControlChannel, type ControlHandlers } from './control-channel.js';
import { HttpCloudLink } from './http-cloud-link.js';
import type { UplinkCredentials } from './uplink.js';

/** A tiny cloud: accepts keys in `keys`, remembers what each hub sent and how it authenticated. */
async function tinyCloud(options: { autoPong?: boolean } = {}) {
  const keys = new Set(['key-1']);
  const wss = new WebSocketServer({ port: 0, autoPong: options.autoPong ?? true });
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  const paths: string[] = [];
  wss.options.verifyClient = (info, done) => {
    const key = info.req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    paths.push(info.req.url ?? '');
    if (keys.has(key)) done(true);
    else done(false, 401, 'unknown hub API key');
  };
  const state = { drop: false };
  wss.on('connection', (ws) => {
    sockets.push(ws);
    if (state.drop) return ws.close(1011, 'restarting');
    ws.on('message', (data) => received.push(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ type: 'ack', topic: 'hello', data: { hubId: 'hub-1', seniorId: 'senior-1' } }));
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  return {
    url,
    keys,
    set drop(value: boolean) {
      state.drop = value;
    },
    sockets,
    received,
    paths,
    latest: () => sockets.at(-1)!,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

function recordingLog() {
  const lines: { level: number; msg: string; reason?: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

function handlersRecording() {
  const seen = {
    alerts: [] as Alert[],
    models: [] as unknown[],
    rules: [] as unknown[],
    signals: [] as { topic: string; data: unknown }[],
    hellos: 0,
  };
  const handlers: ControlHandlers = {
    connected: () => {
      seen.hellos++;
    },
    alertChanged: (alert) => {
      seen.alerts.push(alert);
    },
    modelAvailable: (notice) => {
      seen.models.push(notice);
    },
    rulesChanged: (rules) => {
      seen.rules.push(rules);
    },
    safetyCheckRequested: (request, report) => {
      report({ id: request.id, status: 'failed', detail: 'no robot is paired with this hub' });
    },
    videoSignal: (topic, data) => {
      seen.signals.push({ topic, data });
    },
  };
  return { seen, handlers };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { autoPong?: boolean; pingEveryMs?: number } = {}) {
  const cloud = await tinyCloud(options);
  const clock = new FakeClock(Date.now());
  const { log, lines } = recordingLog();
  const { seen, handlers } = handlersRecording();
  const credentials = new CredentialsBox<UplinkCredentials>({
    cloudUrl: cloud.url,
    hubId: 'hub-1',
    apiKey: 'key-1',
  });
  const channel = new ControlChannel({
    clock,
    log,
    credentials,
    link: new HttpCloudLink(),
    handlers,
    agentVersion: '9.8.7',
    backoff: { initialMs: 1000, maxMs: 8000 },
    pingEveryMs: options.pingEveryMs ?? 30_000,
    idlePollMs: 60_000,
    random: () => 0,
  });
  cleanups.push(
    () => cloud.close(),
    () => channel.stop(),
  );
  return {
    cloud,
    clock,
    lines,
    seen,
    handlers,
    channel,
    /** As `hearth pair` does: the source tells the channel. */
    setCredentials: (c: UplinkCredentials | null) => credentials.set(c),
  };
}

const alert = (status: Alert['status']): Alert => ({
  id: randomUUID(),
  seniorId: randomUUID(),
  hubId: randomUUID(),
  kind: 'pendant_pressed',
  severity: 'critical',
  source: 'button',
  status,
  message: 'pendant pressed',
  evidence: [{ hubAlertId: randomUUID() }],
  occurredAt: new Date().toISOString(),
  acknowledgedAt: new Date().toISOString(),
  acknowledgedBy: randomUUID(),
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
  cursor: 7,
});

describe('the control channel', () => {
  it('connects with the hub key and hands each message to its handler', async () => {
    const { cloud, channel, seen } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1, { what: 'hello' });
    expect(cloud.paths).toEqual(['/api/v1/hub/ws']);
    expect(channel.status()).toMatchObject({ state: 'connected', connected: true, lastError: null });
    expect(channel.status().lastMessageAt).toBeGreaterThan(0);

    const acked = alert('acknowledged');
    const sha256 = 'a'.repeat(64);
    cloud.latest().send(JSON.stringify({ type: 'update', topic: 'alerts', data: acked, id: 7 }));
    cloud.latest().send(JSON.stringify({ type: 'update', topic: 'model', data: { version: 3, sha256 } }));
    cloud.latest().send(JSON.stringify({ type: 'update', topic: 'rules', data: { timezone: 'UTC' } }));
    await eventually(() => seen.rules.length === 1, { what: 'rules' });
    expect(seen.alerts).toEqual([acked]);
    expect(seen.models).toEqual([{ version: 3, sha256 }]);
  });

  it('answers a safety-check request through its handler', async () => {
    const { cloud, channel } = await setup();
    await channel.start();
    await eventually(() => cloud.sockets.length === 1);
    const id = randomUUID();
    cloud.latest().send(JSON.stringify({ type: 'update', topic: 'safety-checks', data: { id, room: null } }));
    await eventually(() => cloud.received.length === 1, { what: 'report' });
    expect(cloud.received[0]).toEqual({
      type: 'update',
      topic: 'safety-checks',
      data: { id, status: 'failed', detail: 'no robot is paired with this hub' },
    });
  });

  it('says its own hello with the protocol and agent versions to a cloud that speaks version 2, and not to an older one', async () => {
    const { cloud, channel, seen } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    // The tiny cloud's hello names no protocol: version 1, which has no use for the hub's hello.
    await new Promise((r) => setTimeout(r, 30));
    expect(cloud.received).toEqual([]);
    cloud.latest().send(
      JSON.stringify({
        type: 'ack',
        topic: 'hello',
        data: { hubId: 'hub-1', seniorId: 'senior-1', protocol: 2 },
      }),
    );
    await eventually(() => cloud.received.length === 1, { what: "the hub's hello" });
    expect(cloud.received[0]).toEqual({
      type: 'update',
      topic: 'hello',
      data: { protocol: CONTROL_PROTOCOL_VERSION, agentVersion: '9.8.7' },
    });
  });

  it('ignores what it does not understand, says why, and stays connected', async () => {
    const { cloud, channel, seen, lines } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    const ws = cloud.latest();
    ws.send('not json {');
    ws.send(JSON.stringify({ type: 'teleport', topic: 'x' }));
    ws.send(JSON.stringify({ type: 'update', topic: 'alerts', data: { id: 'nope' } }));
    ws.send(JSON.stringify({ type: 'update', topic: 'weather', data: {} }));
    ws.send(JSON.stringify({ type: 'update', topic: 'model', data: { version: 2, sha256: 'a'.repeat(64) } }));
    await eventually(() => seen.models.length === 1, { what: 'the good message after the bad ones' });
    const reasons = lines.filter((l) => l.msg === 'ignored a control message').map((l) => l.reason);
    expect(reasons).toHaveLength(4);
    // The reasons come from the shared contract's parser (shared/src/control.ts).
    expect(reasons[0]).toBe('message is not valid JSON');
    expect(reasons[1]).toBe('a hub does not handle teleport');
    expect(reasons[2]).toMatch(/^update on alerts: data.id: /);
    expect(reasons[3]).toBe('a hub does not handle update on weather');
    expect(seen.alerts).toEqual([]);
    expect(channel.status().connected).toBe(true);
  });

  it('hands video signals to the video feature as they came', async () => {
    const { cloud, channel, seen } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    const topic = 'video:6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
    cloud.latest().send(JSON.stringify({ type: 'signal', topic, data: { kind: 'bye' } }));
    await eventually(() => seen.signals.length === 1, { what: 'the signal' });
    expect(seen.signals).toEqual([{ topic, data: { kind: 'bye' } }]);
  });

  it('survives a handler that throws', async () => {
    const { cloud, channel, seen, lines, handlers } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    handlers.rulesChanged = () => {
      throw new Error('disk full');
    };
    cloud.latest().send(JSON.stringify({ type: 'update', topic: 'rules', data: {} }));
    cloud
      .latest()
      .send(JSON.stringify({ type: 'update', topic: 'model', data: { version: 2, sha256: 'b'.repeat(64) } }));
    await eventually(() => seen.models.length === 1);
    expect(lines.some((l) => l.msg === 'a control message could not be handled')).toBe(true);
    expect(channel.status().connected).toBe(true);
  });

  it('reconnects after a drop with exponential backoff and jitter', async () => {
    const { cloud, channel, clock, seen } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    // The cloud keeps dropping the hub before its hello: with jitter at its lowest, 500, 1000, 2000 ms.
    cloud.drop = true;
    cloud.latest().close(1011, 'restarting');
    await eventually(() => channel.status().state === 'backing_off');
    expect(channel.status().lastError).toMatch(/closed \(1011: restarting\)/);
    for (const delay of [500, 1000, 2000]) {
      const before = cloud.paths.length;
      clock.advance(delay - 1);
      await new Promise((r) => setTimeout(r, 30));
      expect(cloud.paths).toHaveLength(before);
      clock.advance(1);
      await eventually(() => cloud.paths.length === before + 1, { what: `retry after ${delay} ms` });
      await eventually(() => channel.status().state === 'backing_off');
    }
    cloud.drop = false;
    clock.advance(4000);
    await eventually(() => seen.hellos === 2, { what: 'reconnected' });
    expect(channel.status()).toMatchObject({ state: 'connected', lastError: null });
    // Once the cloud said hello the backoff starts again from the beginning.
    cloud.latest().close(1011, 'again');
    await eventually(() => channel.status().state === 'backing_off');
    clock.advance(500);
    await eventually(() => seen.hellos === 3, { what: 'quick reconnect' });
  });

  it('stops and asks for pairing when the cloud revokes the key (4001), and resumes with a new key', async () => {
    const { cloud, channel, clock, seen, setCredentials } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    cloud.latest().close(4001, 'hub key no longer valid');
    await eventually(() => channel.status().state === 'rejected');
    expect(channel.status().lastError).toMatch(/refused this hub's key .*hearth pair/);
    clock.advance(600_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(cloud.paths).toHaveLength(1);

    cloud.keys.add('key-2');
    setCredentials({ cloudUrl: cloud.url, hubId: 'hub-1', apiKey: 'key-2' });
    await eventually(() => seen.hellos === 2, { what: 'connected with the new key' });
    expect(channel.status()).toMatchObject({ state: 'connected', lastError: null });
  });

  it('treats an unknown key on the upgrade (401) like a revoked one', async () => {
    const { cloud, channel, clock, setCredentials } = await setup();
    setCredentials({ cloudUrl: cloud.url, hubId: 'hub-1', apiKey: 'stale' });
    await channel.start();
    await eventually(() => channel.status().state === 'rejected');
    expect(channel.status().lastError).toMatch(/\(401\).*hearth pair/);
    clock.advance(600_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(cloud.paths).toHaveLength(1);
  });

  it('does not crash on credentials no request can carry', async () => {
    const { cloud, channel, setCredentials } = await setup();
    setCredentials({ cloudUrl: cloud.url, hubId: 'hub-1', apiKey: 'key\nX-Evil: 1' });
    await channel.start();
    expect(channel.status()).toMatchObject({ state: 'backing_off', connected: false });
    expect(channel.status().lastError).toMatch(/cannot open the control channel: .*hearth pair/);
    setCredentials({ cloudUrl: 'ftp://nowhere', hubId: 'hub-1', apiKey: 'key-1' });
    expect(channel.status().lastError).toMatch(/not http\(s\)/);
    expect(cloud.paths).toEqual([]);
  });

  it('waits quietly while the hub is not paired, and connects once it is', async () => {
    const { cloud, channel, seen, setCredentials } = await setup();
    setCredentials(null);
    await channel.start();
    expect(channel.status().state).toBe('unpaired');
    setCredentials({ cloudUrl: cloud.url, hubId: 'hub-1', apiKey: 'key-1' });
    await eventually(() => seen.hellos === 1);
  });

  it('cuts a link whose pongs stopped and connects again', async () => {
    const { channel, clock, seen } = await setup({ autoPong: false, pingEveryMs: 10_000 });
    await channel.start();
    await eventually(() => seen.hellos === 1);
    clock.advance(10_000); // ping sent, no pong comes back
    await new Promise((r) => setTimeout(r, 30));
    expect(channel.status().connected).toBe(true);
    clock.advance(10_000);
    await eventually(() => channel.status().state === 'backing_off', { what: 'dead link cut' });
    clock.advance(1000);
    await eventually(() => seen.hellos === 2, { what: 'reconnected' });
  });

  it('keeps a link whose pongs come back', async () => {
    const { channel, clock, seen } = await setup({ pingEveryMs: 10_000 });
    await channel.start();
    await eventually(() => seen.hellos === 1);
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(channel.status()).toMatchObject({ state: 'connected', connected: true });
    expect(seen.hellos).toBe(1);
  });

  it('stops cleanly and does not reconnect', async () => {
    const { cloud, channel, clock, seen } = await setup();
    await channel.start();
    await eventually(() => seen.hellos === 1);
    await channel.stop();
    expect(channel.status()).toMatchObject({ state: 'stopped', connected: false });
    clock.advance(600_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(cloud.paths).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
    expect(channel.send({ type: 'ping', topic: '' })).toBe(false);
  });
});

describe('controlUrl', () => {
  it('turns the cloud address into its WebSocket path', () => {
    expect(controlUrl('http://localhost:8080')).toBe('ws://localhost:8080/api/v1/hub/ws');
    expect(controlUrl('https://care.example.org/hearth/')).toBe(
      'wss://care.example.org/hearth/api/v1/hub/ws',
    );
    expect(() => controlUrl('ftp://x')).toThrow(/hearth pair/);
  });
});

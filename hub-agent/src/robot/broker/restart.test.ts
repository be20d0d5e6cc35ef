import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { openSqliteOutbox } from '../../store/sqlite-outbox.js';
import { HUB_USERNAME, RobotRegistry } from '../store/credentials.js';
import { startChildBroker } from '../testing/child-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-broker-restart-'));
const clients: MqttClient[] = [];
afterAll(async () => {
  for (const c of clients) c.end(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Awaits one step of the scenario, failing with its name if it does not finish in time. */
async function step<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function connect(port: number, options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    reconnectPeriod: 0,
    protocolVersion: 4,
    ...options,
  });
  clients.push(client);
  await step(
    `${String(options.clientId)} connecting`,
    new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    }),
  );
  return client;
}

function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const handler = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      client.off('message', handler);
      resolve(payload.toString());
    };
    client.on('message', handler);
  });
}

describe('hub broker killed with SIGKILL', () => {
  it('a second broker on the same files serves retained status, queued commands and wills', async () => {
    const db = openSqliteOutbox({ path: join(dir, 'outbox.db'), bootId: 'test' });
    const registry = new RobotRegistry(db.state);
    const r1 = registry.add('r1');
    const r2 = registry.add('r2');
    const hubAuth = { username: HUB_USERNAME, password: registry.hubPassword() };
    db.close();

    const first = await step('the first broker starting', startChildBroker(dir, { willGraceMs: 60_000 }));
    // r1 stays connected until the kill, with a will and a retained status.
    const robot1 = await connect(first.port, {
      clientId: 'r1',
      username: 'r1',
      password: r1.password,
      will: { topic: 'hearth/robot/r1/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await robot1.publishAsync('hearth/robot/r1/status', 'online', { qos: 1, retain: true });
    // r2 keeps a session, subscribes to its commands, then goes away; the hub sends it one.
    const robot2 = await connect(first.port, {
      clientId: 'r2',
      username: 'r2',
      password: r2.password,
      clean: false,
    });
    await robot2.subscribeAsync('hearth/robot/r2/cmd', { qos: 1 });
    await robot2.endAsync();
    const hub = await connect(first.port, { clientId: HUB_USERNAME, ...hubAuth });
    await hub.publishAsync('hearth/robot/r2/cmd', 'check-bathroom', { qos: 1 });
    await hub.endAsync();

    await first.killHard();
    robot1.end(true);

    // A long grace first, so the retained status is seen before any will replaces it.
    const interim = await step(
      'the interim broker starting',
      startChildBroker(dir, { port: first.port, willGraceMs: 60_000 }),
    );
    const peek = await connect(interim.port, { clientId: `${HUB_USERNAME}-peek`, ...hubAuth });
    const retained = nextMessage(peek, 'hearth/robot/r1/status');
    await peek.subscribeAsync('hearth/robot/r1/status', { qos: 1 });
    expect(await step('the retained status after the kill', retained)).toBe('online');
    peek.end(true);
    await interim.killHard();

    const second = await step(
      'the second broker starting',
      startChildBroker(dir, { port: first.port, willGraceMs: 300 }),
    );
    const watcher = await connect(second.port, { clientId: `${HUB_USERNAME}-watch`, ...hubAuth });
    const statuses: string[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === 'hearth/robot/r1/status') statuses.push(payload.toString());
    });
    await watcher.subscribeAsync('hearth/robot/r1/status', { qos: 1 });
    // r1 does not come back: its will, stored by the killed broker, is published by the new one.
    await eventually(() => statuses.at(-1) === 'offline', { what: "r1's will", rounds: 2000 });

    const deliveries: string[] = [];
    const back = mqtt.connect({
      host: '127.0.0.1',
      port: second.port,
      clientId: 'r2',
      username: 'r2',
      password: r2.password,
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    clients.push(back);
    const delivered = new Promise<void>((resolve) =>
      back.on('message', (_t, payload) => {
        deliveries.push(payload.toString());
        resolve();
      }),
    );
    await step('the queued command reaching r2', delivered);
    // A retained status round trip afterwards proves the queue was drained before it, once.
    await back.publishAsync('hearth/robot/r2/status', 'online', { qos: 1 });
    expect(deliveries).toEqual(['check-bathroom']);
    await second.killHard();
    // Three brokers each start a TypeScript child process, which takes seconds on a busy machine.
  }, 150_000);
});

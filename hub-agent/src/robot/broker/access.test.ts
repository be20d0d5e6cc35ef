import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import { openSqliteOutbox } from '../../store/sqlite-outbox.js';
import { HUB_USERNAME, RobotRegistry } from '../store/credentials.js';
import { RawMqtt } from '../testing/raw-mqtt.js';
import { HubBroker } from './hub-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-acl-'));
const db = openSqliteOutbox({ path: join(dir, 'outbox.db'), bootId: 'test' });
const registry = new RobotRegistry(db.state);
const broker = new HubBroker({
  host: '127.0.0.1',
  port: 0,
  maxPacketBytes: 256 * 1024,
  connectionRate: { max: 1000, windowMs: 1000 },
  persistencePath: join(dir, 'broker.db'),
  credentials: registry,
  log: pino({ level: 'silent' }),
  clock: systemClock,
});
let port = 0;
let r1: { password: string };
let r2: { password: string };
const seen: { topic: string; clientId: string | null }[] = [];

beforeAll(async () => {
  r1 = registry.add('r1');
  r2 = registry.add('r2');
  await broker.start();
  port = broker.address()!.port;
  broker.onPublish((topic, clientId) => seen.push({ topic, clientId }));
});
afterAll(async () => {
  await broker.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function robot(id: 'r1' | 'r2'): Promise<RawMqtt> {
  const c = await RawMqtt.open(port);
  expect(await c.connect({ clientId: id, username: id, password: (id === 'r1' ? r1 : r2).password })).toBe(0);
  return c;
}

/** A message r2 is allowed to send; once the broker took it, anything sent before it was handled. */
async function sentinel(): Promise<void> {
  const c = await robot('r2');
  expect(await c.publish('hearth/robot/r2/status', 'sentinel')).toBe('acked');
  c.drop();
}

// The longest an MQTT string can be is 65,535 bytes (MQTT-1.5.3); this is as close to 64 KB as fits.
const big = 'x'.repeat(65_000);

describe('robot broker: who may connect', () => {
  const cases: {
    name: string;
    clientId: string;
    username?: string;
    password?: () => string;
    code: number | 'closed';
  }[] = [
    { name: 'an unknown client', clientId: 'ghost', username: 'ghost', password: () => 'guess', code: 4 },
    {
      name: 'a known robot with a wrong password',
      clientId: 'r1',
      username: 'r1',
      password: () => 'wrong',
      code: 4,
    },
    { name: 'a robot without a password', clientId: 'r1', username: 'r1', code: 4 },
    { name: 'no username at all', clientId: 'r1', code: 2 },
    {
      name: "a robot using another robot's client id",
      clientId: 'r2',
      username: 'r1',
      password: () => r1.password,
      code: 2,
    },
    {
      name: 'the client id __proto__',
      clientId: '__proto__',
      username: '__proto__',
      password: () => 'x',
      code: 2,
    },
    {
      name: 'the username constructor',
      clientId: 'constructor',
      username: 'constructor',
      password: () => 'x',
      code: 4,
    },
    { name: 'a 64 KB client id', clientId: big, username: big, password: () => 'x', code: 2 },
    {
      name: 'a NUL in the client id',
      clientId: 'r1\u0000',
      username: 'r1\u0000',
      password: () => r1.password,
      code: 2,
    },
    {
      name: 'the hub name on a robot client id',
      clientId: 'r1',
      username: HUB_USERNAME,
      password: () => registry.hubPassword(),
      code: 2,
    },
    {
      name: 'the hub name with a wrong password',
      clientId: HUB_USERNAME,
      username: HUB_USERNAME,
      password: () => 'nope',
      code: 4,
    },
  ];
  it.each(cases)('refuses $name', async ({ clientId, username, password, code }) => {
    const c = await RawMqtt.open(port);
    expect(await c.connect({ clientId, username, password: password?.() })).toBe(code);
    c.drop();
  });

  it('refuses a tagged client id of another robot, or a malformed tag', async () => {
    for (const clientId of ['r2:tool', 'r1:', 'r1:a:b', 'r1:bad tag']) {
      const c = await RawMqtt.open(port);
      expect(await c.connect({ clientId, username: 'r1', password: r1.password }), clientId).toBe(2);
      c.drop();
    }
  });

  it('accepts a paired robot (also under a tagged client id) and the hub', async () => {
    const tagged = await RawMqtt.open(port);
    expect(await tagged.connect({ clientId: 'r1:sub', username: 'r1', password: r1.password })).toBe(0);
    expect(await tagged.subscribe('hearth/robot/r1/cmd')).toBe(1);
    tagged.drop();
    const c = await RawMqtt.open(port);
    expect(
      await c.connect({ clientId: HUB_USERNAME, username: HUB_USERNAME, password: registry.hubPassword() }),
    ).toBe(0);
    c.drop();
    (await robot('r1')).drop();
  });

  it('never publishes the will of a refused client', async () => {
    for (const [username, password] of [
      ['r1', 'wrong'],
      ['r1', undefined],
    ] as const) {
      const c = await RawMqtt.open(port);
      const code = await c.connect({
        clientId: 'r1',
        username,
        password: password ?? r1.password,
        // A will on another robot's topic is itself a refusal, even with the right password.
        will: { topic: password ? 'hearth/robot/r1/status' : 'hearth/robot/r2/status', payload: 'evil will' },
      });
      expect(code).not.toBe(0);
      c.drop();
    }
    await sentinel();
    expect(
      seen.filter(
        (s) => s.topic === 'hearth/robot/r1/status' || (s.clientId === null && s.topic.startsWith('hearth/')),
      ),
    ).toEqual([]);
    expect(seen.some((s) => s.topic === 'hearth/robot/r2/status' && s.clientId === 'r2')).toBe(true);
  });
});

describe('robot broker: what a robot may publish', () => {
  const refused = [
    "another robot's status",
    'hearth/robot/r2/status',
    'its own command topic',
    'hearth/robot/r1/cmd',
    'a $SYS topic',
    '$SYS/broker/fake',
    'a single-level wildcard',
    'hearth/robot/+/status',
    'a multi-level wildcard',
    'hearth/robot/r1/#',
    'a NUL in the topic',
    'hearth/robot/r1/status\u0000x',
    'a __proto__ topic',
    '__proto__',
    'a channel that does not exist',
    'hearth/robot/r1/__proto__',
    'a 64 KB topic',
    `hearth/robot/r1/${big}`,
    'a topic outside the robot tree',
    'home/kitchen',
  ];
  const table = Array.from({ length: refused.length / 2 }, (_, i) => ({
    name: refused[2 * i]!,
    topic: refused[2 * i + 1]!,
  }));

  it.each(table)('refuses $name and drops the message', async ({ topic }) => {
    const c = await robot('r1');
    const outcome = await c.publish(topic, 'x');
    expect(outcome).toBe('closed');
    await sentinel();
    expect(seen.some((s) => s.topic === topic && s.clientId === 'r1')).toBe(false);
  });

  it.each(['status', 'ack', 'progress', 'result'])('delivers its own %s', async (channel) => {
    const c = await robot('r1');
    expect(await c.publish(`hearth/robot/r1/${channel}`, '{}')).toBe('acked');
    expect(seen.some((s) => s.topic === `hearth/robot/r1/${channel}` && s.clientId === 'r1')).toBe(true);
    c.drop();
  });
});

describe('robot broker: what a robot may subscribe to', () => {
  it.each([
    'hearth/robot/r2/cmd',
    'hearth/robot/+/cmd',
    '#',
    '$SYS/#',
    'hearth/robot/r1/status',
    'hearth/robot/r1/#',
    '__proto__',
  ])('refuses %s with a failure code', async (topic) => {
    const c = await robot('r1');
    expect(await c.subscribe(topic)).toBe(128);
    c.drop();
  });

  it('grants its own command topic', async () => {
    const c = await robot('r1');
    expect(await c.subscribe('hearth/robot/r1/cmd')).toBe(1);
    c.drop();
  });
});

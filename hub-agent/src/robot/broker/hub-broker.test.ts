import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock.js';
import { openSqliteOutbox } from '../../store/sqlite-outbox.js';
import { RobotRegistry } from '../store/credentials.js';
import { RawMqtt } from '../testing/raw-mqtt.js';
import { HubBroker, type HubBrokerOptions } from './hub-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-hub-broker-'));
const db = openSqliteOutbox({ path: join(dir, 'outbox.db'), bootId: 'test' });
const registry = new RobotRegistry(db.state);
const r1 = registry.add('r1');
let broker: HubBroker | null = null;
let n = 0;
afterEach(async () => {
  await broker?.stop();
  broker = null;
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(overrides: Partial<HubBrokerOptions> = {}): Promise<HubBroker> {
  broker = new HubBroker({
    host: '127.0.0.1',
    port: 0,
    maxPacketBytes: 4096,
    connectionRate: { max: 100, windowMs: 1000 },
    persistencePath: join(dir, `broker-${++n}.db`),
    credentials: registry,
    log: pino({ level: 'silent' }),
    clock: new FakeClock(),
    ...overrides,
  });
  await broker.start();
  return broker;
}

describe('HubBroker', () => {
  it('closes a connection announcing a packet over the size limit, and keeps serving others', async () => {
    const b = await start();
    const c = await RawMqtt.open(b.address()!.port);
    expect(await c.connect({ clientId: 'r1', username: 'r1', password: r1.password })).toBe(0);
    expect(await c.publish('hearth/robot/r1/status', 'x'.repeat(4000))).toBe('acked');
    expect(await c.publish('hearth/robot/r1/status', 'x'.repeat(5000))).toBe('closed');
    const again = await RawMqtt.open(b.address()!.port);
    expect(await again.connect({ clientId: 'r1', username: 'r1', password: r1.password })).toBe(0);
    again.drop();
  });

  it('closes connections from one address beyond the rate, until the window passes', async () => {
    const clock = new FakeClock();
    const b = await start({ connectionRate: { max: 3, windowMs: 10_000 }, clock });
    const port = b.address()!.port;
    for (let i = 0; i < 3; i++) {
      const c = await RawMqtt.open(port);
      expect(await c.connect({ clientId: 'ghost', username: 'ghost', password: 'x' })).toBe(4);
      c.drop();
    }
    const fourth = await RawMqtt.open(port);
    expect(await fourth.connect({ clientId: 'r1', username: 'r1', password: r1.password })).toBe('closed');
    clock.advance(10_000);
    const later = await RawMqtt.open(port);
    expect(await later.connect({ clientId: 'r1', username: 'r1', password: r1.password })).toBe(0);
    later.drop();
  });

  it('speaks MQTT over TLS with the given certificate', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const b = await start({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    expect(b.address()).toEqual({ host: '127.0.0.1', port: b.address()!.port, tls: true });
    const client = await mqtt.connectAsync({
      protocol: 'mqtts',
      host: '127.0.0.1',
      port: b.address()!.port,
      ca: readFileSync(cert),
      clientId: 'r1',
      username: 'r1',
      password: r1.password,
      reconnectPeriod: 0,
    });
    const granted = await client.subscribeAsync('hearth/robot/r1/cmd', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    await client.endAsync();
  });

  it('disconnects a client on request (a revoked robot)', async () => {
    const b = await start();
    const c = await RawMqtt.open(b.address()!.port);
    expect(await c.connect({ clientId: 'r1', username: 'r1', password: r1.password })).toBe(0);
    expect(b.connectedClients()).toEqual(['r1']);
    expect(b.disconnect('r1')).toBe(true);
    expect(await c.publish('hearth/robot/r1/status', 'x')).toBe('closed');
    expect(b.disconnect('r1')).toBe(false);
  });
});

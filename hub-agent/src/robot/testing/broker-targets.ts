import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../clock.js';
import { openSqliteOutbox } from '../../store/sqlite-outbox.js';
import { HubBroker } from '../broker/hub-broker.js';
import { HUB_USERNAME, RobotRegistry } from '../store/credentials.js';

/** A broker a link suite runs against, with credentials for the hub and for each robot. */
export interface BrokerTarget {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly hub: { username: string; password: string };
  robot(robotId: string): { username: string; password: string };
  stop(): Promise<void>;
}

/** The hub's own broker (aedes on SQLite) with robots `robotIds` paired. */
export async function aedesTarget(robotIds: string[]): Promise<BrokerTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-aedes-target-'));
  const db = openSqliteOutbox({ path: join(dir, 'outbox.db'), bootId: 'test' });
  const registry = new RobotRegistry(db.state);
  const passwords = new Map(robotIds.map((id) => [id, registry.add(id).password]));
  const broker = new HubBroker({
    host: '127.0.0.1',
    port: 0,
    maxPacketBytes: 65_536,
    connectionRate: { max: 1000, windowMs: 1000 },
    persistencePath: join(dir, 'robot-broker.db'),
    credentials: registry,
    log: pino({ level: 'silent' }),
    clock: systemClock,
  });
  await broker.start();
  const port = broker.address()!.port;
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    hub: { username: HUB_USERNAME, password: registry.hubPassword() },
    robot: (id) => ({ username: id, password: passwords.get(id) ?? 'not-paired' }),
    async stop() {
      await broker.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when the mosquitto broker and its password tool are installed. */
export function mosquittoAvailable(): boolean {
  try {
    execFileSync('mosquitto', ['-h'], { stdio: 'ignore' });
  } catch (error) {
    // `mosquitto -h` prints usage and exits 3; only a missing program throws ENOENT.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  return true;
}

/**
 * Mosquitto started for the test on a free port (never 1883), with its own password file and
 * an ACL equal to the hub broker's: robots publish their own status/ack/progress/result and read
 * their own cmd; the hub writes any cmd and reads the rest.
 */
export async function mosquittoTarget(robotIds: string[]): Promise<BrokerTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mosquitto-target-'));
  const users = new Map<string, string>([[HUB_USERNAME, `hub-${Math.random().toString(36).slice(2)}`]]);
  for (const id of robotIds) users.set(id, `robot-${Math.random().toString(36).slice(2)}`);
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '');
  for (const [user, password] of users) execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
  const acl = join(dir, 'acl');
  writeFileSync(
    acl,
    [
      `user ${HUB_USERNAME}`,
      'topic write hearth/robot/+/cmd',
      ...['status', 'ack', 'progress', 'result'].map((c) => `topic read hearth/robot/+/${c}`),
      '',
      'pattern read hearth/robot/%u/cmd',
      ...['status', 'ack', 'progress', 'result'].map((c) => `pattern write hearth/robot/%u/${c}`),
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${acl}`,
      'persistence false',
      // Like the hub broker: no Nagle delay on small command packets.
      'set_tcp_nodelay true',
      'log_dest none',
      // Started as root, mosquitto drops to user `mosquitto`, which cannot read our private temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port, child);
  return {
    name: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    hub: { username: HUB_USERNAME, password: users.get(HUB_USERNAME)! },
    robot: (id) => ({ username: id, password: users.get(id) ?? 'not-paired' }),
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

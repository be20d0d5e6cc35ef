import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../clock.js';
import { openSqliteOutbox } from '../../store/sqlite-outbox.js';
import { MosquittoDynamicSecurity } from '../broker/dynamic-security.js';
import { HubBroker } from '../broker/hub-broker.js';
import { RevocationWatch } from '../broker/revocation-watch.js';
import { HUB_USERNAME, RobotRegistry } from '../store/credentials.js';

/** A broker a link suite runs against, with credentials for the hub and for each robot. */
export interface BrokerTarget {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly hub: { username: string; password: string };
  robot(robotId: string): { username: string; password: string };
  /** Pairs another robot the way the product does on this broker; resolves with its login. */
  pair(robotId: string): Promise<{ username: string; password: string }>;
  /** Removes a robot the way `hearth robot remove` does on this broker. */
  revoke(robotId: string): Promise<void>;
  /** The dynamic-security admin login (Mosquitto only), as the agent's config names it. */
  readonly admin?: { username: string; password: string };
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
  // As in the agent: the CLI only edits the registry; this watch hangs up on removed robots.
  const revocations = new RevocationWatch({
    broker,
    isPaired: (id) => registry.has(id),
    clock: systemClock,
    log: pino({ level: 'silent' }),
    intervalMs: 100,
  });
  revocations.start();
  const port = broker.address()!.port;
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    hub: { username: HUB_USERNAME, password: registry.hubPassword() },
    robot: (id) => ({ username: id, password: passwords.get(id) ?? 'not-paired' }),
    async pair(id) {
      const issued = registry.add(id);
      passwords.set(id, issued.password);
      return { username: issued.username, password: issued.password };
    },
    async revoke(id) {
      registry.remove(id);
    },
    async stop() {
      revocations.stop();
      await broker.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where Debian and others install Mosquitto's dynamic-security plugin. */
const DYNSEC_PLUGINS = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
];

/** The dynamic-security plugin of the installed mosquitto, or null. */
export function dynamicSecurityPlugin(): string | null {
  return DYNSEC_PLUGINS.find((path) => existsSync(path)) ?? null;
}

/** True when mosquitto, `mosquitto_ctrl` and the dynamic-security plugin are installed. */
export function mosquittoAvailable(): boolean {
  for (const program of ['mosquitto', 'mosquitto_ctrl']) {
    try {
      execFileSync(program, ['-h'], { stdio: 'ignore' });
    } catch (error) {
      // `-h` prints usage and exits non-zero; only a missing program throws ENOENT.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    }
  }
  return dynamicSecurityPlugin() !== null;
}

const secret = () => randomBytes(12).toString('base64url');

/**
 * Mosquitto started for the test on a free port (never 1883), its logins and ACLs managed by the
 * dynamic-security plugin as a hub with `robot.externalBroker.dynamicSecurity` manages them: an
 * admin created by `mosquitto_ctrl dynsec init`, the hub's account (write any cmd, read the rest),
 * and each robot through `MosquittoDynamicSecurity` (publish its own status/ack/progress/result,
 * read its own cmd).
 */
export async function mosquittoTarget(robotIds: string[]): Promise<BrokerTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mosquitto-target-'));
  const plugin = dynamicSecurityPlugin();
  if (!plugin) throw new Error(`mosquitto's dynamic-security plugin is not installed (${DYNSEC_PLUGINS[0]})`);
  const admin = { username: 'hearth-admin', password: secret() };
  const dynsec = join(dir, 'dynamic-security.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', dynsec, admin.username, admin.password], {
    stdio: 'ignore',
  });
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `plugin ${plugin}`,
      `plugin_opt_config_file ${dynsec}`,
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
  const stopChild = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `mqtt://127.0.0.1:${port}`;
  const accounts = new MosquittoDynamicSecurity({ url, ...admin });
  const hub = { username: HUB_USERNAME, password: secret() };
  const passwords = new Map<string, string>();
  try {
    await waitForPort(port, child);
    await accounts.createAccount(hub.username, hub.password, [
      { type: 'publishClientSend', topic: 'hearth/robot/+/cmd' },
      ...['status', 'ack', 'progress', 'result'].map((c) => ({
        type: 'subscribePattern',
        topic: `hearth/robot/+/${c}`,
      })),
    ]);
    for (const id of robotIds) {
      passwords.set(id, secret());
      await accounts.create(id, passwords.get(id)!);
    }
  } catch (error) {
    await accounts.close();
    await stopChild();
    throw error;
  }
  return {
    name: 'mosquitto',
    url,
    port,
    hub,
    admin,
    robot: (id) => ({ username: id, password: passwords.get(id) ?? 'not-paired' }),
    async pair(id) {
      const password = secret();
      await accounts.create(id, password);
      passwords.set(id, password);
      return { username: id, password };
    },
    revoke: (id) => accounts.revoke(id),
    async stop() {
      await accounts.close();
      await stopChild();
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

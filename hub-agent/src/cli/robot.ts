import { chownSync, existsSync, readFileSync, statSync } from 'node:fs';
import { ConfigError, loadAgentConfig } from '../config/agent-config.js';
import { dataPaths } from '../config/paths.js';
import {
  BrokerAccountError,
  type BrokerAccounts,
  MosquittoDynamicSecurity,
} from '../robot/broker/dynamic-security.js';
import { type RobotRecord, RobotRegistry, RobotRegistryError } from '../robot/store/credentials.js';
import { openHubState } from '../store/open-hub-state.js';
import { CliError, EXIT, type Output } from './output.js';

/**
 * Runs `change` on the robots in the hub's database. The agent may be running: the database is in
 * WAL mode, the agent reads credentials at each connection and notices a removal within seconds.
 * Files created as root are handed to the data directory's owner so the agent (user hearth) can
 * still write them.
 */
function withRegistry<T>(dataDir: string, change: (registry: RobotRegistry) => T): T {
  const paths = dataPaths(dataDir);
  const store = openHubState(paths.outbox, paths.legacyRobotDb);
  try {
    return change(new RobotRegistry(store.state));
  } finally {
    store.close();
    const owner = statSync(dataDir);
    if (process.getuid?.() === 0 && owner.uid !== 0) {
      for (const suffix of ['', '-wal', '-shm', '.seq'])
        if (existsSync(paths.outbox + suffix)) chownSync(paths.outbox + suffix, owner.uid, owner.gid);
    }
  }
}

function registryFailure(error: unknown): never {
  if (error instanceof RobotRegistryError) {
    const exit = error.code === 'INVALID_ROBOT_ID' ? EXIT.USAGE : EXIT.FAILED;
    throw new CliError(error.message, exit, error.code);
  }
  throw error;
}

/** Where the agent's unit reads its settings (systemd/hearth-agent.service). */
export const DEFAULT_AGENT_CONFIG = '/etc/hearth/agent.json';

/**
 * The robot logins to keep on the external broker, when the agent's config names one with a
 * dynamic-security admin; null when robots log in to the hub's own broker (the registry is all).
 */
export function brokerAccountsFor(configFile: string | undefined): BrokerAccounts | null {
  const file = configFile ?? (existsSync(DEFAULT_AGENT_CONFIG) ? DEFAULT_AGENT_CONFIG : undefined);
  if (!file) return null;
  let external: ReturnType<typeof loadAgentConfig>['robot']['externalBroker'];
  try {
    external = loadAgentConfig(file).robot.externalBroker;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.USAGE, error.code);
    throw error;
  }
  if (!external?.dynamicSecurity) return null;
  let ca: Buffer | undefined;
  if (external.caFile) {
    try {
      ca = readFileSync(external.caFile);
    } catch (error) {
      throw new CliError(
        `robot.externalBroker.caFile: cannot read ${external.caFile} (${(error as NodeJS.ErrnoException).code ?? error})`,
        EXIT.USAGE,
        'INVALID_CONFIG',
      );
    }
  }
  return new MosquittoDynamicSecurity({ url: external.url, ...external.dynamicSecurity, ...(ca && { ca }) });
}

function brokerFailure(error: unknown, outcome: string): never {
  if (error instanceof BrokerAccountError)
    throw new CliError(`${error.message}; ${outcome}`, EXIT.FAILED, error.code);
  throw error;
}

/**
 * `hearth robot add ID`: pairs a robot and prints its password, once. With an external broker
 * managed through dynamic security, the robot's login is created there too; if the broker
 * refuses, the pairing is undone.
 */
export async function addRobot(
  dataDir: string,
  robotId: string,
  out: Output,
  accounts: BrokerAccounts | null = null,
): Promise<void> {
  let issued: { robotId: string; username: string; password: string };
  try {
    issued = withRegistry(dataDir, (r) => r.add(robotId));
  } catch (error) {
    registryFailure(error);
  }
  if (accounts) {
    try {
      await accounts.create(issued.robotId, issued.password);
    } catch (error) {
      withRegistry(dataDir, (r) => r.remove(issued.robotId));
      brokerFailure(error, `robot ${issued.robotId} was not paired`);
    } finally {
      await accounts.close();
    }
  }
  out.result(issued);
  out.line(
    `Robot ${issued.robotId} paired. Give the robot these MQTT credentials (the password is not shown again):`,
  );
  out.line(`  username  ${issued.username}`);
  out.line(`  password  ${issued.password}`);
  out.line(`  client id ${issued.robotId}`);
}

/**
 * `hearth robot remove ID`: revokes the robot's credentials. On the hub's own broker the agent
 * hangs up on it within seconds; on an external broker managed through dynamic security its
 * login is deleted there first, which disconnects it at once (unreachable: nothing changes).
 */
export async function removeRobot(
  dataDir: string,
  robotId: string,
  out: Output,
  accounts: BrokerAccounts | null = null,
): Promise<void> {
  const paired = withRegistry(dataDir, (r) => r.has(robotId));
  if (!paired) {
    await accounts?.close();
    throw new CliError(
      `no robot ${robotId.slice(0, 80)} is paired (see: hearth robot list)`,
      EXIT.FAILED,
      'ROBOT_NOT_FOUND',
    );
  }
  if (accounts) {
    try {
      await accounts.revoke(robotId);
    } catch (error) {
      brokerFailure(error, `robot ${robotId} is still paired; try again once the broker answers`);
    } finally {
      await accounts.close();
    }
  }
  withRegistry(dataDir, (r) => r.remove(robotId));
  out.result({ robotId, removed: true });
  out.line(
    accounts
      ? `Robot ${robotId} removed: its login on the broker is deleted and the broker disconnected it.`
      : `Robot ${robotId} removed: its credentials no longer work and the running agent disconnects it.`,
  );
}

/** `hearth robot list`: paired robots with their last reported state, battery, room and when last heard. */
export function listRobots(dataDir: string, out: Output, now = Date.now()): void {
  const paths = dataPaths(dataDir);
  const robots: RobotRecord[] =
    existsSync(paths.outbox) || existsSync(paths.legacyRobotDb) ? withRegistry(dataDir, (r) => r.list()) : [];
  out.result({
    robots: robots.map((r) => ({
      robotId: r.robotId,
      state: r.state,
      battery: r.battery,
      room: r.room,
      lastSeenAt: r.lastSeenAt === null ? null : new Date(r.lastSeenAt).toISOString(),
      addedAt: new Date(r.addedAt).toISOString(),
    })),
  });
  if (robots.length === 0) out.line('No robot paired. Pair one: hearth robot add ROBOT_ID');
  for (const r of robots) {
    const seen =
      r.lastSeenAt === null ? 'never heard' : `heard ${Math.round((now - r.lastSeenAt) / 1000)} s ago`;
    out.line(
      `${r.robotId.padEnd(16)} ${(r.state ?? 'unknown').padEnd(9)} ${r.battery === null ? '   ?' : `${String(Math.round(r.battery)).padStart(3)}%`}  ${(r.room ?? '').padEnd(12)} ${seen}`,
    );
  }
}

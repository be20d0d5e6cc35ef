import { chownSync, existsSync, statSync } from 'node:fs';
import { dataPaths } from '../config/paths.js';
import { type RobotRecord, RobotRegistry, RobotRegistryError } from '../robot/store/credentials.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { readBootId } from '../time/clock-sync.js';
import { CliError, EXIT, type Output } from './output.js';

/**
 * Runs `change` on the robots in the hub's database. The agent may be running: the database is in
 * WAL mode, the agent reads credentials at each connection and notices a removal within seconds.
 * Files created as root are handed to the data directory's owner so the agent (user hearth) can
 * still write them.
 */
function withRegistry<T>(dataDir: string, change: (registry: RobotRegistry) => T): T {
  const paths = dataPaths(dataDir);
  const store = openSqliteOutbox({
    path: paths.outbox,
    bootId: readBootId(),
    legacyRobotDb: paths.legacyRobotDb,
  });
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

/** `hearth robot add ID`: pairs a robot and prints its password, once. */
export function addRobot(dataDir: string, robotId: string, out: Output): void {
  let issued: { robotId: string; username: string; password: string };
  try {
    issued = withRegistry(dataDir, (r) => r.add(robotId));
  } catch (error) {
    registryFailure(error);
  }
  out.result(issued);
  out.line(
    `Robot ${issued.robotId} paired. Give the robot these MQTT credentials (the password is not shown again):`,
  );
  out.line(`  username  ${issued.username}`);
  out.line(`  password  ${issued.password}`);
  out.line(`  client id ${issued.robotId}`);
}

/** `hearth robot remove ID`: revokes the robot's credentials; the agent hangs up on it. */
export function removeRobot(dataDir: string, robotId: string, out: Output): void {
  const removed = withRegistry(dataDir, (r) => r.remove(robotId));
  if (!removed)
    throw new CliError(
      `no robot ${robotId.slice(0, 80)} is paired (see: hearth robot list)`,
      EXIT.FAILED,
      'ROBOT_NOT_FOUND',
    );
  out.result({ robotId, removed: true });
  out.line(`Robot ${robotId} removed: its credentials no longer work and the running agent disconnects it.`);
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

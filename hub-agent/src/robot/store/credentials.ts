import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { RobotId, type RobotStatus } from '@hearth/shared';
import type { SettingsTable } from '../../store/hub-state.js';
import { HUB_BROKER_PASSWORD } from '../../store/legacy-robot-db.js';
import type { RobotRow, RobotsTable } from '../../store/robot-tables.js';

/** The MQTT user the hub itself connects as (its own link to its own broker). */
export const HUB_USERNAME = 'hearth-hub';

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

/** Thrown for a robot id that is malformed, already paired or unknown; `code` says which. */
export class RobotRegistryError extends Error {
  constructor(
    message: string,
    readonly code: 'INVALID_ROBOT_ID' | 'ROBOT_EXISTS' | 'ROBOT_NOT_FOUND',
  ) {
    super(message);
  }
}

/** A paired robot as `hearth robot list` shows it. */
export type RobotRecord = Omit<RobotRow, 'passwordHash'>;

function hash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function matches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      Buffer.from(salt, 'base64'),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p) },
      (e, k) => (e ? reject(e) : resolve(k)),
    ),
  );
  return timingSafeEqual(actual, expected);
}

/**
 * The robots paired with this hub: one credential each, of which only an scrypt hash is kept,
 * and the last status each reported. Kept in the hub's state store, which the CLI and the agent share.
 */
export class RobotRegistry {
  constructor(
    private readonly state: { robots: RobotsTable; settings: SettingsTable },
    private readonly now: () => number = Date.now,
  ) {}

  /** Pairs a robot and returns its password, which is never stored and cannot be shown again. */
  add(robotId: string): { robotId: string; username: string; password: string } {
    const id = RobotId.safeParse(robotId);
    if (!id.success)
      throw new RobotRegistryError(
        `robot id '${robotId.slice(0, 80)}': ${id.error.issues[0]?.message}`,
        'INVALID_ROBOT_ID',
      );
    if (id.data === HUB_USERNAME)
      throw new RobotRegistryError(`'${HUB_USERNAME}' is the hub's own name`, 'INVALID_ROBOT_ID');
    const password = randomBytes(18).toString('base64url');
    if (!this.state.robots.add(id.data, hash(password), this.now()))
      throw new RobotRegistryError(
        `robot ${id.data} is already paired; remove it first to issue a new password`,
        'ROBOT_EXISTS',
      );
    return { robotId: id.data, username: id.data, password };
  }

  /** Revokes a robot's credential; false when no robot had that id. */
  remove(robotId: string): boolean {
    return this.state.robots.remove(robotId);
  }

  has(robotId: string): boolean {
    return this.state.robots.get(robotId) !== undefined;
  }

  list(): RobotRecord[] {
    return this.state.robots.list().map(toRecord);
  }

  get(robotId: string): RobotRecord | undefined {
    const row = this.state.robots.get(robotId);
    return row && toRecord(row);
  }

  /** True when `username` is a paired robot (or the hub) and `password` is its credential. */
  async verify(username: string, password: string): Promise<boolean> {
    if (username === HUB_USERNAME) {
      const expected = Buffer.from(this.hubPassword());
      const given = Buffer.from(password);
      return given.length === expected.length && timingSafeEqual(given, expected);
    }
    const row = this.state.robots.get(username);
    return row !== undefined && (await matches(password, row.passwordHash));
  }

  /**
   * The hub's own broker password, created on first use. Kept in clear because the hub must
   * present it; the database sits in the data directory, readable by the agent's user only.
   */
  hubPassword(): string {
    const stored = this.state.settings.get(HUB_BROKER_PASSWORD);
    if (stored) return stored;
    const password = randomBytes(24).toString('base64url');
    this.state.settings.set(HUB_BROKER_PASSWORD, password);
    return password;
  }

  /** Keeps the last status a robot reported; ignored for a robot no longer paired. */
  noteStatus(robotId: string, status: RobotStatus, heardAt: number): void {
    this.state.robots.noteStatus(
      robotId,
      { state: status.state, battery: status.battery, room: status.room, at: Date.parse(status.at) },
      heardAt,
    );
  }

  /** Notes that a robot was heard from (any message). */
  noteSeen(robotId: string, heardAt: number): void {
    this.state.robots.noteSeen(robotId, heardAt);
  }
}

function toRecord(row: RobotRow): RobotRecord {
  return {
    robotId: row.robotId,
    addedAt: row.addedAt,
    state: row.state,
    battery: row.battery,
    room: row.room,
    statusAt: row.statusAt,
    lastSeenAt: row.lastSeenAt,
  };
}

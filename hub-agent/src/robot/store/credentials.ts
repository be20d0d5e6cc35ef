import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { RobotId, type RobotStatus } from '@hearth/shared';
import type Database from 'better-sqlite3';

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
export type RobotRecord = {
  robotId: string;
  addedAt: number;
  state: string | null;
  battery: number | null;
  room: string | null;
  statusAt: number | null;
  lastSeenAt: number | null;
};

interface Row {
  robot_id: string;
  password_hash: string;
  added_at: number;
  state: string | null;
  battery: number | null;
  room: string | null;
  status_at: number | null;
  last_seen_at: number | null;
}

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
 * and the last status each reported. Lives in `robot.db`, which the CLI and the agent share.
 */
export class RobotRegistry {
  constructor(
    private readonly db: Database.Database,
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
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO robots (robot_id, password_hash, added_at) VALUES (?, ?, ?)')
      .run(id.data, hash(password), this.now());
    if (inserted.changes === 0)
      throw new RobotRegistryError(
        `robot ${id.data} is already paired; remove it first to issue a new password`,
        'ROBOT_EXISTS',
      );
    return { robotId: id.data, username: id.data, password };
  }

  /** Revokes a robot's credential; false when no robot had that id. */
  remove(robotId: string): boolean {
    return this.db.prepare('DELETE FROM robots WHERE robot_id = ?').run(robotId).changes > 0;
  }

  has(robotId: string): boolean {
    return this.db.prepare('SELECT 1 FROM robots WHERE robot_id = ?').get(robotId) !== undefined;
  }

  list(): RobotRecord[] {
    return (this.db.prepare('SELECT * FROM robots ORDER BY robot_id').all() as Row[]).map(toRecord);
  }

  get(robotId: string): RobotRecord | undefined {
    const row = this.db.prepare('SELECT * FROM robots WHERE robot_id = ?').get(robotId) as Row | undefined;
    return row && toRecord(row);
  }

  /** True when `username` is a paired robot (or the hub) and `password` is its credential. */
  async verify(username: string, password: string): Promise<boolean> {
    if (username === HUB_USERNAME) {
      const expected = Buffer.from(this.hubPassword());
      const given = Buffer.from(password);
      return given.length === expected.length && timingSafeEqual(given, expected);
    }
    const row = this.db.prepare('SELECT password_hash FROM robots WHERE robot_id = ?').get(username) as
      | { password_hash: string }
      | undefined;
    return row !== undefined && (await matches(password, row.password_hash));
  }

  /**
   * The hub's own broker password, created on first use. Kept in clear because the hub must
   * present it; robot.db sits in the data directory, readable by the agent's user only.
   */
  hubPassword(): string {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'hub_password'").get() as
      | { value: string }
      | undefined;
    if (row) return row.value;
    const password = randomBytes(24).toString('base64url');
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('hub_password', ?)").run(password);
    return this.hubPassword();
  }

  /** Keeps the last status a robot reported; ignored for a robot no longer paired. */
  noteStatus(robotId: string, status: RobotStatus, heardAt: number): void {
    this.db
      .prepare(
        'UPDATE robots SET state = ?, battery = ?, room = ?, status_at = ?, last_seen_at = ? WHERE robot_id = ?',
      )
      .run(status.state, status.battery, status.room, Date.parse(status.at), heardAt, robotId);
  }

  /** Notes that a robot was heard from (any message). */
  noteSeen(robotId: string, heardAt: number): void {
    this.db.prepare('UPDATE robots SET last_seen_at = ? WHERE robot_id = ?').run(heardAt, robotId);
  }
}

function toRecord(row: Row): RobotRecord {
  return {
    robotId: row.robot_id,
    addedAt: row.added_at,
    state: row.state,
    battery: row.battery,
    room: row.room,
    statusAt: row.status_at,
    lastSeenAt: row.last_seen_at,
  };
}

import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Setting that records the import, so a crash between the commit and the rename never imports twice. */
const IMPORTED = 'robot.legacyDbImportedAt';
/** Setting holding the hub's own broker password (it was `meta.hub_password` in robot.db). */
export const HUB_BROKER_PASSWORD = 'robot.hubPassword';

/** What the import carried over, or why nothing was. */
export type LegacyImport =
  | { imported: true; robots: number; commands: number; movedTo: string }
  | { imported: false; reason: 'absent' | 'already-imported'; movedTo?: string };

/**
 * Carries the robots, the command ledger and the hub's broker password out of the `robot.db` file
 * earlier hubs kept, into the hub's database (`db`, migrated), in one transaction that also
 * records the import. Then the old file is renamed to `<path>.imported` (kept for recovery, never
 * read again). Run at every open: without the file it does nothing; after a crash between the
 * commit and the rename it only renames. Rows already present win (`INSERT OR IGNORE`).
 * @throws when the old file cannot be read (it stays in place and the next open tries again).
 */
export function importLegacyRobotDb(db: Database.Database, path: string): LegacyImport {
  if (!existsSync(path)) return { imported: false, reason: 'absent' };
  const movedTo = `${path}.imported`;
  const done = db.prepare('SELECT value FROM settings WHERE key = ?').get(IMPORTED);
  if (done) {
    moveAside(path, movedTo);
    return { imported: false, reason: 'already-imported', movedTo };
  }
  // Opened read-write so a WAL left by a crash is replayed; closing checkpoints it into the file.
  const old = new Database(path, { fileMustExist: true });
  let rows: { robots: unknown[]; commands: unknown[]; hubPassword: string | undefined };
  try {
    const version = old.pragma('user_version', { simple: true }) as number;
    if (version !== 0 && version !== 1)
      throw new Error(`${path} has schema version ${version}, which this hearth-agent cannot import`);
    rows =
      version === 0
        ? { robots: [], commands: [], hubPassword: undefined }
        : {
            robots: old.prepare('SELECT * FROM robots').all(),
            commands: old.prepare('SELECT * FROM commands').all(),
            hubPassword: (
              old.prepare("SELECT value FROM meta WHERE key = 'hub_password'").get() as
                | { value: string }
                | undefined
            )?.value,
          };
  } finally {
    old.close();
  }
  const insertRobot = db.prepare(
    `INSERT OR IGNORE INTO robots (robot_id, password_hash, added_at, state, battery, room, status_at, last_seen_at)
     VALUES (@robot_id, @password_hash, @added_at, @state, @battery, @room, @status_at, @last_seen_at)`,
  );
  const insertCommand = db.prepare(
    `INSERT OR IGNORE INTO robot_commands (id, robot_id, command, requested_by, state, created_at, deadline,
       sent_at, send_count, acked_at, ack, progress, progress_at, result, result_at, closed_reason)
     VALUES (@id, @robot_id, @command, @requested_by, @state, @created_at, @deadline,
       @sent_at, @send_count, @acked_at, @ack, @progress, @progress_at, @result, @result_at, @closed_reason)`,
  );
  const setting = db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)');
  db.transaction(() => {
    for (const row of rows.robots) insertRobot.run(row);
    for (const row of rows.commands) insertCommand.run(row);
    if (rows.hubPassword) setting.run(HUB_BROKER_PASSWORD, rows.hubPassword);
    setting.run(IMPORTED, String(Date.now()));
  })();
  moveAside(path, movedTo);
  return { imported: true, robots: rows.robots.length, commands: rows.commands.length, movedTo };
}

function moveAside(path: string, movedTo: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
}

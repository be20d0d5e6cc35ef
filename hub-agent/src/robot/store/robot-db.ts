import Database from 'better-sqlite3';

/**
 * Forward-only migrations of `robot.db`: the robots paired with this hub (credentials and last
 * status) and the ledger of every command sent to them. Kept apart from the outbox so the two
 * stores can evolve on their own; `PRAGMA user_version` counts the steps run.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE robots (
     robot_id TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     added_at INTEGER NOT NULL,
     state TEXT,
     battery REAL,
     room TEXT,
     status_at INTEGER,
     last_seen_at INTEGER
   );
   CREATE TABLE commands (
     id TEXT PRIMARY KEY,
     robot_id TEXT NOT NULL,
     command TEXT NOT NULL,
     requested_by TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     deadline INTEGER NOT NULL,
     sent_at INTEGER,
     send_count INTEGER NOT NULL DEFAULT 0,
     acked_at INTEGER,
     ack TEXT,
     progress TEXT,
     progress_at INTEGER,
     result TEXT,
     result_at INTEGER,
     closed_reason TEXT
   );
   CREATE INDEX commands_open ON commands (robot_id, created_at) WHERE state IN ('pending', 'sent');`,
];

/** Opens (creating and migrating as needed) the robot database; WAL, so the CLI may write while the agent runs. */
export function openRobotDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new Error(
      `the robot database ${path} has schema version ${current}, newer than this hearth-agent understands (${MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return db;
}

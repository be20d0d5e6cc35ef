import type Database from 'better-sqlite3';

/**
 * Forward-only migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Never edit a shipped step: hubs in the field have already run it.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     sensor_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     value TEXT,
     room TEXT,
     boot_id TEXT NOT NULL,
     clock_unsynced INTEGER NOT NULL DEFAULT 0,
     mono_ms INTEGER,
     alert TEXT,
     is_alert INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX outbox_alerts ON outbox (seq) WHERE is_alert = 1;
   CREATE INDEX outbox_unsynced ON outbox (seq) WHERE clock_unsynced = 1;
   -- The last seq lives apart from the rows so pruning the oldest rows can never make a seq reappear.
   CREATE TABLE seq_counter (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
   INSERT INTO seq_counter (id, last_seq) VALUES (1, 0);
   CREATE TABLE upload_cursor (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     acked_through_seq INTEGER NOT NULL,
     last_upload_at INTEGER
   );
   INSERT INTO upload_cursor (id, acked_through_seq) VALUES (1, 0);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     settings TEXT NOT NULL,
     room TEXT,
     added_at INTEGER NOT NULL
   );`,
  // Hub state gets tables of its own. The alert ledger and the serial notes lived in `settings`
  // (keys `alerts.ledger`, `serial.delivered.<node>`): carried over here, so a hub in the field keeps
  // its acknowledged alerts and still recognises a frame resent across the upgrade. A note that is not
  // a well-formed JSON object is left behind (its node's frames then count as new, as before).
  `CREATE TABLE alert_ledger (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
   INSERT INTO alert_ledger (id, document) SELECT 1, value FROM settings WHERE key = 'alerts.ledger';
   DELETE FROM settings WHERE key = 'alerts.ledger';
   CREATE TABLE serial_notes (node_id TEXT PRIMARY KEY, boot_id INTEGER NOT NULL, seqs TEXT NOT NULL);
   INSERT INTO serial_notes (node_id, boot_id, seqs)
     SELECT substr(key, length('serial.delivered.') + 1), json_extract(value, '$.bootId'), json_extract(value, '$.seqs')
     FROM settings
     WHERE key LIKE 'serial.delivered.%' AND json_valid(value)
       AND json_type(value, '$.bootId') = 'integer' AND json_type(value, '$.seqs') = 'array';
   DELETE FROM settings WHERE key LIKE 'serial.delivered.%';`,
  // A robot command's hop (sent, ack, progress, result, expired) travels with its event.
  'ALTER TABLE outbox ADD COLUMN robot TEXT;',
  // The paired robots and the robot command ledger join the hub's one database (they lived in
  // `robot.db`, which `importLegacyRobotDb` carries over once).
  `CREATE TABLE robots (
     robot_id TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     added_at INTEGER NOT NULL,
     state TEXT,
     battery REAL,
     room TEXT,
     status_at INTEGER,
     last_seen_at INTEGER
   );
   CREATE TABLE robot_commands (
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
   CREATE INDEX robot_commands_open ON robot_commands (created_at) WHERE state IN ('pending', 'sent', 'acked');`,
];

/** Brings the database to the latest schema; throws if it was written by a newer hub-agent. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the outbox database has schema version ${current}, newer than this hearth-agent understands (${MIGRATIONS.length}); install the newer hearth-agent`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

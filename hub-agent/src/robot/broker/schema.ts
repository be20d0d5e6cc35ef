import type Database from 'better-sqlite3';

/**
 * Forward-only migrations of the broker's own database (`robot-broker.db`); `PRAGMA user_version`
 * counts the steps run. Never edit a shipped step.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE broker_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE retained (topic TEXT PRIMARY KEY, packet BLOB NOT NULL);
   CREATE TABLE subscriptions (
     client_id TEXT NOT NULL,
     topic TEXT NOT NULL,
     qos INTEGER NOT NULL,
     record BLOB NOT NULL,
     PRIMARY KEY (client_id, topic)
   );
   CREATE INDEX subscriptions_topic ON subscriptions (topic);
   CREATE TABLE outgoing (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id TEXT NOT NULL,
     broker_id TEXT,
     broker_counter INTEGER,
     message_id INTEGER,
     packet BLOB NOT NULL
   );
   CREATE INDEX outgoing_client ON outgoing (client_id, seq);
   CREATE TABLE incoming (
     client_id TEXT NOT NULL,
     message_id INTEGER NOT NULL,
     packet BLOB NOT NULL,
     PRIMARY KEY (client_id, message_id)
   );
   CREATE TABLE wills (client_id TEXT PRIMARY KEY, broker_id TEXT, packet BLOB NOT NULL);`,
];

/** Brings the broker database to the latest schema; throws if a newer hub-agent wrote it. */
export function migrateBrokerStore(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the robot broker database has schema version ${current}, newer than this hearth-agent understands (${MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

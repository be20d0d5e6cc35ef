import Database from 'better-sqlite3';
import type { HubStateStore } from './hub-state.js';
import { importLegacyRobotDb } from './legacy-robot-db.js';
import { migrate } from './schema.js';
import { SqliteHubState } from './sqlite-hub-state.js';

/**
 * The hub's state in its database, for a short-lived process beside a running agent (`hearth
 * robot`): WAL, so both may write; no `integrity_check` (the agent runs it at start, and on a full
 * outbox it reads every page) and no corruption recovery (moving files aside under a running agent
 * would lose its writes). Migrates and imports an earlier `robot.db` like the agent does.
 * @throws when the database cannot be opened or the old robot.db cannot be read.
 */
export function openHubState(path: string, legacyRobotDb?: string): { state: HubStateStore; close(): void } {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    if (legacyRobotDb) importLegacyRobotDb(db, legacyRobotDb);
  } catch (error) {
    db.close();
    throw error;
  }
  return { state: new SqliteHubState(db), close: () => db.close() };
}

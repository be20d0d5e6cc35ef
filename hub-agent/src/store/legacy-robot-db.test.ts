import { copyFileSync, existsSync, mkdtempSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RobotRegistry } from '../robot/store/credentials.js';
import { importLegacyRobotDb } from './legacy-robot-db.js';
import { openHubState } from './open-hub-state.js';
import { openSqliteOutbox } from './sqlite-outbox.js';

/** A robot.db exactly as earlier hubs wrote it (schema version 1), with one robot and two commands. */
function writeLegacyRobotDb(path: string, options: { leaveWal?: boolean } = {}): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE robots (robot_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL, added_at INTEGER NOT NULL,
      state TEXT, battery REAL, room TEXT, status_at INTEGER, last_seen_at INTEGER);
    CREATE TABLE commands (id TEXT PRIMARY KEY, robot_id TEXT NOT NULL, command TEXT NOT NULL,
      requested_by TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, deadline INTEGER NOT NULL,
      sent_at INTEGER, send_count INTEGER NOT NULL DEFAULT 0, acked_at INTEGER, ack TEXT, progress TEXT,
      progress_at INTEGER, result TEXT, result_at INTEGER, closed_reason TEXT);
    CREATE INDEX commands_open ON commands (robot_id, created_at) WHERE state IN ('pending', 'sent');
    PRAGMA user_version = 1;`);
  db.exec(`INSERT INTO meta VALUES ('hub_password', 'hub-secret');
    INSERT INTO robots VALUES ('r1', 'scrypt$16384$8$1$c2FsdA==$a2V5', 5, 'docked', 77, 'hall', 6, 7);
    INSERT INTO commands (id, robot_id, command, requested_by, state, created_at, deadline, sent_at, send_count)
      VALUES ('c-open', 'r1', '{"id":"c-open","type":"dock","issuedAt":"2026-11-30T08:00:00.000Z","deadline":"2026-11-30T08:00:30.000Z"}',
        '{"by":"hub"}', 'sent', 100, 1764489630000, 101, 1);
    INSERT INTO commands (id, robot_id, command, requested_by, state, created_at, deadline, closed_reason)
      VALUES ('c-old', 'r1', '{"id":"c-old","type":"dock","issuedAt":"2026-11-30T07:00:00.000Z","deadline":"2026-11-30T07:00:30.000Z"}',
        '{"by":"hub"}', 'expired', 50, 1764486030000, 'deadline passed');`);
  if (options.leaveWal) return db; // still open: the last writes sit in robot.db-wal
  db.close();
  return db;
}

const dataDir = () => mkdtempSync(join(tmpdir(), 'hearth-legacy-robot-'));

describe('a hub upgraded from a separate robot.db', () => {
  it('carries robots, the command ledger and the broker password into the hub database, once', () => {
    const dir = dataDir();
    const legacy = join(dir, 'robot.db');
    writeLegacyRobotDb(legacy);
    const outcomes: unknown[] = [];
    const open = () =>
      openSqliteOutbox({
        path: join(dir, 'outbox.db'),
        bootId: 'b',
        legacyRobotDb: legacy,
        onLegacyImport: (o) => outcomes.push(o),
      });

    const store = open();
    expect(outcomes).toEqual([{ imported: true, robots: 1, commands: 2, movedTo: `${legacy}.imported` }]);
    const registry = new RobotRegistry(store.state);
    expect(registry.list()).toEqual([
      { robotId: 'r1', addedAt: 5, state: 'docked', battery: 77, room: 'hall', statusAt: 6, lastSeenAt: 7 },
    ]);
    expect(registry.hubPassword()).toBe('hub-secret');
    // The open command is taken up again after the upgrade: the robot still gets it.
    expect(store.state.robotCommands.unacknowledged().map((e) => [e.id, e.sendCount])).toEqual([
      ['c-open', 1],
    ]);
    expect(store.state.robotCommands.get('c-old')).toMatchObject({
      state: 'expired',
      closedReason: 'deadline passed',
    });
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(`${legacy}.imported`)).toBe(true);
    store.close();

    // The next start finds nothing to import and keeps what it has.
    const again = open();
    expect(outcomes[1]).toEqual({ imported: false, reason: 'absent' });
    expect(again.state.robots.list()).toHaveLength(1);
    again.close();
  });

  it('is imported the same way when `hearth robot` opens the hub state before the agent ever ran', () => {
    const dir = dataDir();
    const legacy = join(dir, 'robot.db');
    writeLegacyRobotDb(legacy);
    const cli = openHubState(join(dir, 'outbox.db'), legacy);
    expect(new RobotRegistry(cli.state).list().map((r) => r.robotId)).toEqual(['r1']);
    cli.close();
    expect(existsSync(legacy)).toBe(false);
    const agent = openSqliteOutbox({ path: join(dir, 'outbox.db'), bootId: 'b', legacyRobotDb: legacy });
    expect(agent.state.robotCommands.unacknowledged().map((e) => e.id)).toEqual(['c-open']);
    agent.close();
  });

  it('reads what an unclean shutdown left in robot.db-wal', () => {
    const dir = dataDir();
    const legacy = join(dir, 'robot.db');
    // A copy of the files taken while the writer is open is what a power cut leaves on disk.
    const live = join(dir, 'live.db');
    const writer = writeLegacyRobotDb(live, { leaveWal: true });
    for (const suffix of ['', '-wal']) copyFileSync(live + suffix, legacy + suffix);
    writer.close();
    expect(statSync(`${legacy}-wal`).size).toBeGreaterThan(0);
    const outcomes: unknown[] = [];
    const store = openSqliteOutbox({
      path: join(dir, 'outbox.db'),
      bootId: 'b',
      legacyRobotDb: legacy,
      onLegacyImport: (o) => outcomes.push(o),
    });
    expect(outcomes).toEqual([expect.objectContaining({ imported: true, robots: 1, commands: 2 })]);
    expect(store.state.robots.list().map((r) => r.robotId)).toEqual(['r1']);
    expect(store.state.robotCommands.get('c-open')?.state).toBe('sent');
    store.close();
  });

  it('after a crash between the commit and the rename, only renames: nothing is imported twice', () => {
    const dir = dataDir();
    const legacy = join(dir, 'robot.db');
    const outbox = join(dir, 'outbox.db');
    openSqliteOutbox({ path: outbox, bootId: 'b' }).close();
    writeLegacyRobotDb(legacy);
    const db = new Database(outbox);
    expect(importLegacyRobotDb(db, legacy)).toMatchObject({ imported: true, robots: 1 });
    // The robot is removed after the upgrade; then the old file is back as if the rename never happened.
    db.prepare("DELETE FROM robots WHERE robot_id = 'r1'").run();
    writeLegacyRobotDb(join(dir, 'again.db'));
    renameSync(join(dir, 'again.db'), legacy);
    expect(importLegacyRobotDb(db, legacy)).toEqual({
      imported: false,
      reason: 'already-imported',
      movedTo: `${legacy}.imported`,
    });
    db.close();
    const store = openSqliteOutbox({ path: outbox, bootId: 'b', legacyRobotDb: legacy });
    expect(store.state.robots.list()).toEqual([]);
    expect(existsSync(legacy)).toBe(false);
    store.close();
  });

  it('leaves an unreadable robot.db in place and says why; the hub still opens', () => {
    const dir = dataDir();
    const legacy = join(dir, 'robot.db');
    writeFileSync(legacy, 'this is not a database, but long enough to have a header of sorts........');
    const outcomes: unknown[] = [];
    const store = openSqliteOutbox({
      path: join(dir, 'outbox.db'),
      bootId: 'b',
      legacyRobotDb: legacy,
      onLegacyImport: (o) => outcomes.push(o),
    });
    expect(outcomes).toEqual([{ error: expect.stringMatching(/not a database/) }]);
    expect(existsSync(legacy)).toBe(true);
    expect(store.state.robots.list()).toEqual([]);
    store.close();
  });
});

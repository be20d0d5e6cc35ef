// About 340 lines: the SQLite outbox's statements and its corruption recovery read best together.
import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { HubStateStore } from './hub-state.js';
import { importLegacyRobotDb, type LegacyImport } from './legacy-robot-db.js';
import type { AppendOptions, NewOutboxEntry, OutboxEntry, OutboxStats, OutboxStore } from './outbox.js';
import { migrate } from './schema.js';
import { SeqReservation } from './seq-reservation.js';
import { SqliteHubState } from './sqlite-hub-state.js';

export interface SqliteOutboxOptions {
  /** Path of the database file; `<path>.seq` holds the seq reservation. */
  path: string;
  bootId: string;
  /** Called with what was found when the database had to be moved aside at open. */
  onCorruption?: (info: { movedTo: string; reason: string }) => void;
  /** ms since the epoch, for naming the moved-aside file. */
  now?: () => number;
  /** Hears about a serial note that was damaged and ignored (its node's frames then count as new). */
  onUnreadableNote?: (nodeId: string, reason: string) => void;
  /** The `robot.db` earlier hubs kept beside the outbox: imported once, then renamed (see `importLegacyRobotDb`). */
  legacyRobotDb?: string;
  /** Hears what the import did, or why it failed (then the old file stays and the next open retries). */
  onLegacyImport?: (outcome: LegacyImport | { error: string }) => void;
}

/** The outbox, and the hub's other state in the same database: one file, one writer, shared transactions. */
export interface SqliteOutbox extends OutboxStore {
  readonly state: HubStateStore;
}

/** The columns an entry is read from, in this order; rows come back as arrays (no object per row). */
const ENTRY_COLUMNS = 'seq, ts, sensor_id, kind, value, room, boot_id, clock_unsynced, mono_ms, alert, robot';
type Row = [
  seq: number,
  ts: number,
  sensorId: string,
  kind: string,
  value: string | null,
  room: string | null,
  bootId: string,
  clockUnsynced: number,
  monoMs: number | null,
  alert: string | null,
  robot: string | null,
];

function toEntry([
  seq,
  ts,
  sensorId,
  kind,
  value,
  room,
  bootId,
  clockUnsynced,
  monoMs,
  alert,
  robot,
]: Row): OutboxEntry {
  const entry: OutboxEntry = {
    seq,
    ts,
    sensorId,
    kind: kind as OutboxEntry['kind'],
    value: value === null ? null : (JSON.parse(value) as OutboxEntry['value']),
    bootId,
    clockUnsynced: clockUnsynced === 1,
  };
  if (room !== null) entry.room = room;
  if (monoMs !== null) entry.monoMs = monoMs;
  if (alert !== null) entry.alert = JSON.parse(alert) as OutboxEntry['alert'];
  if (robot !== null) entry.robot = JSON.parse(robot) as OutboxEntry['robot'];
  return entry;
}

/**
 * Opens (creating and migrating as needed) the hub's outbox. A database that fails
 * `PRAGMA integrity_check` or cannot be opened is moved aside to `<path>.corrupt-<time>` (kept for
 * recovery) and a fresh one is created, continuing seqs above the reservation file so the cloud
 * never sees a seq reused.
 */
export function openSqliteOutbox(options: SqliteOutboxOptions): SqliteOutbox {
  const now = options.now ?? Date.now;
  let db: Database.Database;
  try {
    db = openChecked(options.path);
  } catch (error) {
    if (!isCorruption(error)) throw error;
    const movedTo = `${options.path}.corrupt-${now()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(options.path + suffix)) renameSync(options.path + suffix, movedTo + suffix);
    }
    options.onCorruption?.({ movedTo, reason: error instanceof Error ? error.message : String(error) });
    db = openChecked(options.path);
  }
  if (options.legacyRobotDb) {
    try {
      options.onLegacyImport?.(importLegacyRobotDb(db, options.legacyRobotDb));
    } catch (error) {
      options.onLegacyImport?.({ error: error instanceof Error ? error.message : String(error) });
    }
  }
  return new SqliteOutboxStore(db, options.path, options.bootId, options.onUnreadableNote);
}

class IntegrityError extends Error {}

function isCorruption(error: unknown): boolean {
  if (error instanceof IntegrityError) return true;
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB';
}

function openChecked(path: string): Database.Database {
  const db = new Database(path);
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new IntegrityError(`integrity_check: ${String(result)}`);
    db.pragma('journal_mode = WAL');
    // Alerts must survive a power cut; readings share the setting because one fsync per batch is cheap.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteOutboxStore implements SqliteOutbox {
  readonly state: HubStateStore;
  private readonly insert: Database.Statement;
  private readonly selectPending: Database.Statement;
  private readonly selectAlerts: Database.Statement;
  private readonly reservation: SeqReservation;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly appendTx: (entries: NewOutboxEntry[], alongside?: () => void) => OutboxEntry[];

  constructor(
    private readonly db: Database.Database,
    path: string,
    readonly bootId: string,
    onUnreadableNote?: (nodeId: string, reason: string) => void,
  ) {
    this.state = new SqliteHubState(db, onUnreadableNote);
    this.insert = db.prepare(
      `INSERT INTO outbox (seq, ts, sensor_id, kind, value, room, boot_id, clock_unsynced, mono_ms, alert, is_alert, robot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectPending = db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?`)
      .raw(true);
    this.selectAlerts = db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM outbox WHERE is_alert = 1 AND seq > ? ORDER BY seq LIMIT ?`)
      .raw(true);
    this.reservation = new SeqReservation(`${path}.seq`);
    // A database recreated after corruption starts above every seq that may have been handed out.
    const last = this.lastSeq();
    const reserved = this.reservation.through();
    if (last === 0 && reserved > 0) {
      this.setLastSeq(reserved);
    }
    this.appendTx = db.transaction((entries: NewOutboxEntry[], alongside?: () => void) => {
      let seq = this.lastSeq();
      const committed: OutboxEntry[] = [];
      for (const e of entries) {
        seq += 1;
        // A literal, not a spread: spreading entries of varying shape halves the commit rate.
        const entry: OutboxEntry = {
          seq,
          ts: e.ts,
          sensorId: e.sensorId,
          kind: e.kind,
          value: e.value,
          bootId: this.bootId,
          clockUnsynced: e.clockUnsynced ?? false,
        };
        if (e.room !== undefined) entry.room = e.room;
        if (e.monoMs !== undefined) entry.monoMs = e.monoMs;
        if (e.alert !== undefined) entry.alert = e.alert;
        if (e.robot !== undefined) entry.robot = e.robot;
        this.insert.run(
          seq,
          e.ts,
          e.sensorId,
          e.kind,
          e.value === null ? null : JSON.stringify(e.value),
          e.room ?? null,
          this.bootId,
          entry.clockUnsynced ? 1 : 0,
          e.monoMs ?? null,
          e.alert ? JSON.stringify(e.alert) : null,
          e.alert ? 1 : 0,
          e.robot ? JSON.stringify(e.robot) : null,
        );
        committed.push(entry);
      }
      this.setLastSeq(seq);
      alongside?.();
      return committed;
    });
  }

  append(entries: NewOutboxEntry[], options: AppendOptions = {}): OutboxEntry[] {
    if (entries.length === 0) {
      options.alongside?.();
      return [];
    }
    this.reservation.reserve(this.lastSeq() + entries.length);
    return this.appendTx(entries, options.alongside);
  }

  pending(limit: number, afterSeq = this.ackedThroughSeq()): OutboxEntry[] {
    return (this.selectPending.all(afterSeq, limit) as Row[]).map(toEntry);
  }

  pendingAlerts(limit: number, afterSeq = this.ackedThroughSeq()): OutboxEntry[] {
    return (this.selectAlerts.all(afterSeq, limit) as Row[]).map(toEntry);
  }

  ackedThroughSeq(): number {
    return (
      this.stmt('SELECT acked_through_seq FROM upload_cursor WHERE id = 1').get() as {
        acked_through_seq: number;
      }
    ).acked_through_seq;
  }

  acknowledge(seq: number, at: number): number {
    const next = Math.max(this.ackedThroughSeq(), Math.min(seq, this.lastSeq()));
    this.db
      .prepare('UPDATE upload_cursor SET acked_through_seq = ?, last_upload_at = ? WHERE id = 1')
      .run(next, at);
    return next;
  }

  stats(): OutboxStats {
    const cursor = this.db
      .prepare('SELECT acked_through_seq, last_upload_at FROM upload_cursor WHERE id = 1')
      .get() as {
      acked_through_seq: number;
      last_upload_at: number | null;
    };
    const counts = this.db
      .prepare('SELECT count(*) AS backlog, coalesce(sum(is_alert), 0) AS alerts FROM outbox WHERE seq > ?')
      .get(cursor.acked_through_seq) as { backlog: number; alerts: number };
    return {
      lastSeq: this.lastSeq(),
      ackedThroughSeq: cursor.acked_through_seq,
      backlog: counts.backlog,
      pendingAlerts: counts.alerts,
      droppedReadings: Number(this.getSetting('dropped_readings') ?? 0),
      lastUploadAt: cursor.last_upload_at,
    };
  }

  correctUnsyncedTimestamps(correct: (monoMs: number) => number): number {
    const rows = this.db
      .prepare(
        'SELECT seq, mono_ms FROM outbox WHERE clock_unsynced = 1 AND boot_id = ? AND mono_ms IS NOT NULL AND seq > ?',
      )
      .all(this.bootId, this.ackedThroughSeq()) as { seq: number; mono_ms: number }[];
    const update = this.stmt('UPDATE outbox SET ts = ?, clock_unsynced = 0 WHERE seq = ?');
    this.db.transaction(() => {
      for (const row of rows) update.run(Math.round(correct(row.mono_ms)), row.seq);
    })();
    return rows.length;
  }

  enforceQuota(maxEntries: number): number {
    return this.db.transaction(() => {
      let excess = this.countRows() - maxEntries;
      if (excess <= 0) return 0;
      const acked = this.ackedThroughSeq();
      excess -= this.db
        .prepare(
          'DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE seq <= ? ORDER BY seq LIMIT ?)',
        )
        .run(acked, excess).changes;
      if (excess <= 0) return 0;
      const dropped = this.db
        .prepare(
          'DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE seq > ? AND is_alert = 0 ORDER BY seq LIMIT ?)',
        )
        .run(acked, excess).changes;
      const total = Number(this.getSetting('dropped_readings') ?? 0) + dropped;
      this.setSetting('dropped_readings', String(total));
      return dropped;
    })();
  }

  storageBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  }

  entryCount(): number {
    return this.countRows();
  }

  /** The count of readings the quota dropped lives beside the hub's settings (as it always has). */
  private getSetting(key: string): string | undefined {
    return this.state.settings.get(key);
  }

  private setSetting(key: string, value: string): void {
    this.state.settings.set(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  lastSeq(): number {
    return (this.stmt('SELECT last_seq FROM seq_counter WHERE id = 1').get() as { last_seq: number })
      .last_seq;
  }

  private setLastSeq(seq: number): void {
    this.stmt('UPDATE seq_counter SET last_seq = ? WHERE id = 1').run(seq);
  }

  /** Prepared statements are compiled once; the hot paths run them for every commit. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private countRows(): number {
    return (this.stmt('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }
}

// How fast the hub can make readings durable: events per second committed into the SQLite outbox
// (WAL, synchronous=FULL, seq assignment) — one reading per commit as the collector does, and in
// batches — next to raw better-sqlite3 batched inserts into a bare table in the same run.
// `npm run bench -- outbox [events]`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewOutboxEntry } from '../hub-agent/src/store/outbox.js';
import { openSqliteOutbox } from '../hub-agent/src/store/sqlite-outbox.js';

const BATCH = 1000;

function reading(i: number): NewOutboxEntry {
  return {
    ts: 1_767_600_000_000 + i,
    sensorId: 'pir-kitchen',
    kind: 'motion',
    value: i % 2 === 0,
    room: 'kitchen',
  };
}

function perSecond(count: number, started: bigint): number {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(count / seconds);
}

export default async function outbox(args: string[]): Promise<Record<string, unknown>> {
  const events = Number(args[0] ?? 200_000);
  const singles = Math.min(events, 5_000);
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-outbox-'));
  try {
    // The collector's path: every reading its own durable transaction (one fsync each).
    const single = openSqliteOutbox({ path: join(dir, 'single.db'), bootId: 'bench' });
    let started = process.hrtime.bigint();
    for (let i = 0; i < singles; i++) single.append([reading(i)]);
    const outboxSingleCommitEventsPerSec = perSecond(singles, started);
    single.close();

    // The outbox with batches, as a serial node's backlog or an import would arrive.
    const batched = openSqliteOutbox({ path: join(dir, 'batched.db'), bootId: 'bench' });
    started = process.hrtime.bigint();
    for (let i = 0; i < events; i += BATCH) {
      batched.append(Array.from({ length: Math.min(BATCH, events - i) }, (_, j) => reading(i + j)));
    }
    const outboxBatchedEventsPerSec = perSecond(events, started);
    batched.close();

    // Baseline: better-sqlite3 at its plainest — a bare table, prepared insert, one transaction per batch.
    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.exec(
      'CREATE TABLE readings (id INTEGER PRIMARY KEY, ts INTEGER, sensor_id TEXT, kind TEXT, value TEXT, room TEXT)',
    );
    const insert = raw.prepare(
      'INSERT INTO readings (ts, sensor_id, kind, value, room) VALUES (?, ?, ?, ?, ?)',
    );
    const insertMany = raw.transaction((rows: NewOutboxEntry[]) => {
      for (const r of rows) insert.run(r.ts, r.sensorId, r.kind, JSON.stringify(r.value), r.room ?? null);
    });
    started = process.hrtime.bigint();
    for (let i = 0; i < events; i += BATCH) {
      insertMany(Array.from({ length: Math.min(BATCH, events - i) }, (_, j) => reading(i + j)));
    }
    const rawBatchedEventsPerSec = perSecond(events, started);
    raw.close();

    return {
      events,
      batchSize: BATCH,
      singleCommitEvents: singles,
      outboxSingleCommitEventsPerSec,
      outboxBatchedEventsPerSec,
      rawBatchedEventsPerSec,
      /** Outbox batched throughput as a share of raw batched inserts (1 = no overhead). */
      ratio: Math.round((outboxBatchedEventsPerSec / rawBatchedEventsPerSec) * 1000) / 1000,
      drainOneMillionIntoCloud: 'measured by the cloud ingest benchmark once both sides run together',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

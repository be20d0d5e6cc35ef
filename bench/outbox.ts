// How fast the hub can make readings durable: events per second committed into the SQLite outbox
// (WAL, synchronous=FULL, seq assignment) — one reading per commit as the collector does, and in
// batches — next to raw better-sqlite3 batched inserts into a bare table in the same run.
// Then the time the real uplink takes to drain a backlog into the real cloud (embedded PostgreSQL).
// `npm run bench -- outbox [events] [drainEvents]`
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import postgres from 'postgres';
import { systemClock } from '../hub-agent/src/clock.js';
import { CredentialsBox } from '../hub-agent/src/config/credentials-source.js';
import type { NewOutboxEntry } from '../hub-agent/src/store/outbox.js';
import { openSqliteOutbox } from '../hub-agent/src/store/sqlite-outbox.js';
import { HttpCloudLink } from '../hub-agent/src/uplink/http-cloud-link.js';
import { Uplink } from '../hub-agent/src/uplink/uplink.js';
import { startRealCloud } from '../hub-agent/test/support/real-cloud.js';

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

async function throwawayDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return null;
  const name = `hearth_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A backlog of `count` readings drained by the uplink into a freshly started cloud; seconds until all acked. */
async function drain(dir: string, count: number): Promise<Record<string, unknown>> {
  if (count <= 0) return {};
  const store = openSqliteOutbox({ path: join(dir, 'drain.db'), bootId: 'bench' });
  for (let i = 0; i < count; i += BATCH) {
    store.append(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => reading(i + j)));
  }
  // With DATABASE_URL the cloud writes into a throwaway database on that server; otherwise embedded.
  const database = await throwawayDatabase();
  let cloud: Awaited<ReturnType<typeof startRealCloud>> | null = null;
  try {
    cloud = await startRealCloud(join(dir, 'cloud'), {
      DATABASE_URL: database?.url,
      HEARTH_JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_URL: undefined,
    });
    const { url } = cloud;
    const senior = await cloud.api<{ id: string }>('POST', '/api/v1/seniors', { name: 'Bench Senior' });
    const { code } = await cloud.api<{ code: string }>('POST', `/api/v1/seniors/${senior.id}/pairing-codes`);
    const claim = await fetch(`${url}/api/v1/hubs/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: 'bench-hub' }),
    });
    const { hubId, apiKey } = (await claim.json()) as { hubId: string; apiKey: string };
    const uplink = new Uplink({
      store,
      settings: store.state.settings,
      link: new HttpCloudLink(),
      clock: systemClock,
      log: pino({ level: 'warn' }),
      credentials: new CredentialsBox({ cloudUrl: url, hubId, apiKey }),
      idlePollMs: 100,
    });
    const started = process.hrtime.bigint();
    await uplink.start();
    while (store.ackedThroughSeq() < count) await new Promise((r) => setTimeout(r, 50));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await uplink.stop();
    return {
      drainEvents: count,
      drainSeconds: Math.round(seconds * 10) / 10,
      drainEventsPerSec: Math.round(count / seconds),
      drainTarget: database ? 'PostgreSQL (DATABASE_URL)' : 'embedded PostgreSQL (PGlite)',
    };
  } finally {
    store.close();
    await cloud?.stop();
    await database?.drop();
  }
}

export default async function outbox(args: string[]): Promise<Record<string, unknown>> {
  const events = Number(args[0] ?? 200_000);
  const drainEvents = Number(args[1] ?? 1_000_000);
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
      ...(await drain(dir, drainEvents)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

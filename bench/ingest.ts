// Ingest throughput: events per second through POST /api/v1/hub/events (gzip batches of 1000, as a
// hub sends them: auth, decompress, validate, one COPY per batch in one transaction, contiguous-ack
// cursor) with 1, 10 and 100 hubs uploading at once, each next to a plain COPY of the same number of
// rows into the same table of the same database in the same run, and the p50/p99 latency of a batch.
// Each hub keeps as many batches in flight as the hub's uplink does; the hubs' HTTP clients run in a
// thread of their own.
// Embedded PGlite by default; DATABASE_URL benchmarks real PostgreSQL.
// `npm run bench -- ingest [events per run] [hub counts, comma-separated]`
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { type SensorEvent, UPLOADS_IN_FLIGHT } from '@hearth/shared';
import { EMBEDDED_SERVER_ROLE } from '../cloud-api/src/db/roles.js';
import { type BenchCloud, pairedHubs, startBenchCloud } from './support/cloud.js';
import type { UploadJob, UploadResult } from './support/upload-worker.js';

const BATCH = 1000;
/** The goal for events/s through the API as a share of plain COPY. */
const GOAL_RATIO = 0.6;

function events(hubId: string, from: number, count: number): SensorEvent[] {
  const base = Date.now() - 3600_000;
  return Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    return {
      hubId,
      seq,
      ts: new Date(base + seq * 10).toISOString(),
      sensorId: seq % 3 === 0 ? 'temp-living' : 'pir-hall',
      kind: seq % 3 === 0 ? 'temperature' : 'motion',
      value: seq % 3 === 0 ? 20 + (seq % 50) / 10 : seq % 2 === 0,
      room: 'hall',
    };
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** Seconds a single COPY of `count` rows takes into `sensor_events` (PGlite: its own COPY of a blob). */
async function copySeconds(bench: BenchCloud, seniorId: string, count: number): Promise<number> {
  const sql = bench.cloud.deps.sql;
  const copyHub = randomUUID();
  const rows = events(copyHub, 1, count)
    .map((e) =>
      [copyHub, seniorId, e.seq, e.ts, e.sensorId, e.kind, JSON.stringify(e.value), e.room].join('\t'),
    )
    .join('\n');
  const columns = '(hub_id, senior_id, seq, ts, sensor_id, kind, value, room)';
  const started = performance.now();
  const pglite = bench.cloud.database.pglite;
  if (pglite) {
    // PGlite's wire server does not carry COPY FROM STDIN; PGlite's own COPY reads a blob instead,
    // which takes a superuser: the cloud's session runs as its server role, given back afterwards.
    await pglite.exec('reset role');
    try {
      await pglite.query(`copy sensor_events ${columns} from '/dev/blob'`, [], {
        blob: new Blob([`${rows}\n`]),
      });
    } finally {
      await pglite.exec(`set role ${EMBEDDED_SERVER_ROLE}`);
    }
  } else {
    const stream = await sql.unsafe(`copy sensor_events ${columns} from stdin`).writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end(`${rows}\n`);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const [stored] = await sql<{ n: number }[]>`
    select count(*)::int as n from sensor_events where hub_id = ${copyHub}`;
  if (stored?.n !== count) throw new Error(`COPY stored ${stored?.n} rows, expected ${count}`);
  return seconds;
}

/** `hubCount` hubs upload `total` events between them at once, each its batches in order. */
async function run(bench: BenchCloud, hubCount: number, total: number) {
  const { url } = bench.cloud;
  const hubs = await pairedHubs(bench, hubCount);
  const perHub = Math.ceil(total / hubCount);
  // Bodies are prepared up front so the figure measures the cloud, not the client.
  const bodies = hubs.map((hub) => {
    const out: Buffer[] = [];
    for (let from = 1; from <= perHub; from += BATCH) {
      out.push(
        gzipSync(JSON.stringify({ events: events(hub.hubId, from, Math.min(BATCH, perHub - from + 1)) })),
      );
    }
    return out;
  });
  // The hubs run in a thread of their own, as they would on machines of their own.
  const job: UploadJob = { url, hubs: hubs.map((hub, h) => ({ apiKey: hub.apiKey, bodies: bodies[h]! })) };
  // Node 20 does not carry tsx's loader into a worker: the worker registers it before the module.
  const module = new URL('./support/upload-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(module)}); });`,
    { eval: true, workerData: job },
  );
  const { seconds, latencies } = await new Promise<UploadResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the upload thread stopped with code ${code}`)));
  });
  await worker.terminate();
  const apiSeconds = seconds;
  const stored = perHub * hubCount;
  const [count] = await bench.cloud.deps.sql<{ n: number }[]>`
    select count(*)::int as n from sensor_events where hub_id in ${bench.cloud.deps.sql(hubs.map((h) => h.hubId))}`;
  if (count?.n !== stored) throw new Error(`the API stored ${count?.n} rows, expected ${stored}`);

  const copy = await copySeconds(bench, hubs[0]!.seniorId, stored);
  latencies.sort((a, b) => a - b);
  const apiEventsPerSec = Math.round(stored / apiSeconds);
  const copyEventsPerSec = Math.round(stored / copy);
  return {
    hubs: hubCount,
    events: stored,
    batches: latencies.length,
    apiEventsPerSec,
    batchP50Ms: Math.round(percentile(latencies, 50)),
    batchP99Ms: Math.round(percentile(latencies, 99)),
    copyEventsPerSec,
    ratio: Number((apiEventsPerSec / copyEventsPerSec).toFixed(3)),
  };
}

export default async function ingest(args: string[]): Promise<Record<string, unknown>> {
  const total = Number(args[0] ?? 200_000);
  const hubCounts = (args[1] ?? '1,10,100').split(',').map(Number);
  if (!(total >= 1) || hubCounts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error('usage: npm run bench -- ingest [events per run ≥ 1] [hub counts ≥ 1, comma-separated]');
  }
  const bench = await startBenchCloud();
  try {
    const runs = [];
    for (const hubs of hubCounts) runs.push(await run(bench, hubs, total));
    return {
      database: bench.target,
      batch: BATCH,
      uploadsInFlight: UPLOADS_IN_FLIGHT,
      goalRatio: GOAL_RATIO,
      runs,
    };
  } finally {
    await bench.stop();
  }
}

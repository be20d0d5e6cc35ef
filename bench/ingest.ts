// Ingest throughput: events per second through POST /api/v1/hub/events (gzip batches of 1000, as a
// hub sends them: auth, decompress, validate, one unnest insert per batch, contiguous-ack cursor),
// next to a plain COPY of the same rows into the same table of the same database in the same run.
// Embedded PGlite by default; DATABASE_URL benchmarks real PostgreSQL.
// `npm run bench -- ingest [events] [hubs]`
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { SensorEvent } from '@hearth/shared';
import { pairedHub, startBenchCloud, uploadBatch } from './support/cloud.js';

const BATCH = 1000;

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

export default async function ingest(args: string[]): Promise<Record<string, unknown>> {
  const total = Number(args[0] ?? 50_000);
  const hubCount = Math.max(1, Number(args[1] ?? 1));
  const bench = await startBenchCloud();
  try {
    const { url } = bench.cloud;
    const hubs = await Promise.all(Array.from({ length: hubCount }, () => pairedHub(url, bench.adminToken)));
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

    let started = performance.now();
    await Promise.all(
      hubs.map(async (hub, h) => {
        for (const body of bodies[h]!) {
          await uploadBatch(url, hub.apiKey, body);
        }
      }),
    );
    const apiSeconds = (performance.now() - started) / 1000;
    const stored = perHub * hubCount;

    // Baseline: COPY the same rows (another hub id, so nothing collides) into the same table.
    const sql = bench.cloud.deps.sql;
    const copyHub = randomUUID();
    const rows = events(copyHub, 1, stored)
      .map((e) =>
        [copyHub, hubs[0]!.seniorId, e.seq, e.ts, e.sensorId, e.kind, JSON.stringify(e.value), e.room].join(
          '\t',
        ),
      )
      .join('\n');
    started = performance.now();
    const columns = '(hub_id, senior_id, seq, ts, sensor_id, kind, value, room)';
    const pglite = bench.cloud.database.pglite;
    if (pglite) {
      // PGlite's wire server does not carry COPY FROM STDIN; PGlite's own COPY reads a blob instead.
      await pglite.query(`copy sensor_events ${columns} from '/dev/blob'`, [], {
        blob: new Blob([`${rows}\n`]),
      });
    } else {
      const stream = await sql.unsafe(`copy sensor_events ${columns} from stdin`).writable();
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(`${rows}\n`);
      });
    }
    const copySeconds = (performance.now() - started) / 1000;
    const [count] = await sql<
      { n: number }[]
    >`select count(*)::int as n from sensor_events where hub_id = ${copyHub}`;
    if (count?.n !== stored) throw new Error(`COPY stored ${count?.n} rows, expected ${stored}`);

    const apiEventsPerSec = Math.round(stored / apiSeconds);
    const copyEventsPerSec = Math.round(stored / copySeconds);
    return {
      database: bench.target,
      events: stored,
      hubs: hubCount,
      batch: BATCH,
      apiEventsPerSec,
      apiSeconds: Number(apiSeconds.toFixed(3)),
      copyEventsPerSec,
      copySeconds: Number(copySeconds.toFixed(3)),
      ratio: Number((apiEventsPerSec / copyEventsPerSec).toFixed(3)),
    };
  } finally {
    await bench.stop();
  }
}

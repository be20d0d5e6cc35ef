import { type Sql, transaction } from './database.js';

/** How sensor history is stored in this database. */
export type TimeseriesMode = 'timescaledb' | 'native';

/** Sensor kinds whose truthy readings count as the senior being active. */
const ACTIVE_KINDS = ['motion', 'contact', 'pressure', 'button'];

/** 'timescaledb' when the extension is installed in this database (migration 0002 installs it if it can). */
export async function detectTimeseriesMode(sql: Sql): Promise<TimeseriesMode> {
  const [row] = await sql<{ installed: boolean }[]>`
    select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`;
  return row?.installed ? 'timescaledb' : 'native';
}

const monthStart = (d: Date, offset: number) =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
const partitionName = (d: Date) =>
  `sensor_events_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * Native mode: makes sure monthly partitions exist from last month to `monthsAhead` months ahead.
 * Rows that had landed in the default partition for such a month are moved into the new partition
 * (attaching would otherwise fail). Safe to run from several instances: each month is one call of
 * `hearth_ensure_partition`, under an advisory lock.
 * @returns names of the partitions created.
 */
export async function ensurePartitions(sql: Sql, now: Date, monthsAhead = 3): Promise<string[]> {
  const created: string[] = [];
  for (let offset = -1; offset <= monthsAhead; offset++) {
    const from = monthStart(now, offset);
    const to = monthStart(now, offset + 1);
    const name = partitionName(from);
    // Runs with the schema owner's rights (migration 0005): the server's role owns no table.
    const [row] = await sql<
      { made: boolean }[]
    >`select hearth_ensure_partition(${name}, ${from}, ${to}) as made`;
    const made = row?.made === true;
    if (made) created.push(name);
  }
  return created;
}

/**
 * Native mode: recomputes hourly activity for one senior (or all) over [from, to), rounded out to whole
 * hours. Idempotent; cheap for the recent window the dashboard asks about.
 */
export async function refreshActivity(sql: Sql, from: Date, to: Date, seniorId?: string): Promise<void> {
  await transaction(sql, async (tx) => {
    const lo = new Date(Math.floor(from.getTime() / 3_600_000) * 3_600_000);
    const hi = new Date(Math.ceil(to.getTime() / 3_600_000) * 3_600_000);
    await tx`delete from activity_hourly where bucket >= ${lo} and bucket < ${hi}
      ${seniorId ? tx`and senior_id = ${seniorId}` : tx``}`;
    await tx`insert into activity_hourly (senior_id, sensor_id, bucket, events, active_events)
      select senior_id, sensor_id, date_trunc('hour', ts), count(*),
        count(*) filter (where kind = any(${ACTIVE_KINDS}::text[]) and value not in ('false'::jsonb, '0'::jsonb, 'null'::jsonb))
      from sensor_events
      where ts >= ${lo} and ts < ${hi} ${seniorId ? tx`and senior_id = ${seniorId}` : tx``}
      group by 1, 2, 3
      -- Two dashboards (or a dashboard and the housekeeping timer) may refresh the same hours at once.
      on conflict (senior_id, bucket, sensor_id) do update
        set events = excluded.events, active_events = excluded.active_events, refreshed_at = now()`;
  });
}

/**
 * TimescaleDB mode: the continuous aggregate and its refresh policy. Runs outside any transaction,
 * as TimescaleDB requires. Idempotent.
 */
export async function ensureContinuousAggregate(sql: Sql): Promise<void> {
  await sql.unsafe(`create materialized view if not exists activity_hourly_cagg
    with (timescaledb.continuous) as
    select senior_id, sensor_id, time_bucket('1 hour', ts) as bucket, count(*)::int as events,
      (count(*) filter (where kind in ('motion','contact','pressure','button')
        and value not in ('false'::jsonb, '0'::jsonb, 'null'::jsonb)))::int as active_events
    from sensor_events group by 1, 2, 3 with no data`);
  await sql.unsafe(`select add_continuous_aggregate_policy('activity_hourly_cagg',
    start_offset => interval '3 days', end_offset => interval '1 hour', schedule_interval => interval '15 minutes',
    if_not_exists => true)`);
  // Real-time aggregation: buckets past the last refresh are computed from the raw rows at read time,
  // so the last hour shows up (TimescaleDB 2.13+ defaults to materialized rows only).
  await sql.unsafe(
    `alter materialized view activity_hourly_cagg set (timescaledb.materialized_only = false)`,
  );
}

const HOUR_MS = 3_600_000;

/**
 * TimescaleDB mode: brings the continuous aggregate up to date for [from, to) before a read. The policy
 * only refreshes the last three days, so readings that arrive late (a hub back from a week offline)
 * would otherwise never be counted. A refresh only recomputes buckets whose rows changed since the last
 * one, so it is cheap when nothing arrived late. The current hour is left to real-time aggregation.
 * Must run outside a transaction (TimescaleDB's rule for `refresh_continuous_aggregate`).
 */
export async function refreshContinuousAggregate(
  sql: Sql,
  from: Date,
  to: Date,
  now: Date,
): Promise<'refreshed' | 'busy'> {
  const lo = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
  const hi = Math.min(
    Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS,
    Math.floor(now.getTime() / HOUR_MS) * HOUR_MS,
  );
  if (hi - lo < HOUR_MS) return 'refreshed';
  try {
    // Both bounds are ISO timestamps made here, never input text; the simple protocol keeps the CALL
    // out of an implicit transaction block.
    await sql
      .unsafe(
        `call refresh_continuous_aggregate('activity_hourly_cagg', '${new Date(lo).toISOString()}'::timestamptz, '${new Date(hi).toISOString()}'::timestamptz)`,
      )
      .simple();
    return 'refreshed';
  } catch (err) {
    // Another reader or the policy job is refreshing an overlapping window right now, or the server's
    // role may not refresh (the schema owner's job where roles are separated): read the raw rows.
    const code = (err as { code?: string }).code;
    if (code === LOCK_NOT_AVAILABLE || code === INSUFFICIENT_PRIVILEGE) return 'busy';
    throw err;
  }
}

const LOCK_NOT_AVAILABLE = '55P03';
const INSUFFICIENT_PRIVILEGE = '42501';

/** Hourly activity computed straight from sensor_events, shaped like activity_hourly. */
const hourlyFromRaw = (sql: Sql, q: { seniorId: string; from: Date; to: Date }) =>
  sql`select senior_id, sensor_id, date_trunc('hour', ts) as bucket, count(*)::int as events,
      (count(*) filter (where kind = any(${ACTIVE_KINDS}::text[])
        and value not in ('false'::jsonb, '0'::jsonb, 'null'::jsonb)))::int as active_events
    from sensor_events where senior_id = ${q.seniorId}
      and ts >= date_trunc('hour', ${q.from}::timestamptz)
      and ts < date_trunc('hour', ${q.to}::timestamptz) + interval '1 hour'
    group by 1, 2, 3`;

/** One hour of one sensor's activity. */
export interface ActivityBucket {
  bucket: string;
  sensorId: string;
  events: number;
  activeEvents: number;
}

/**
 * Hourly (or coarser) activity of a senior over [from, to). Both modes bring the range up to date first,
 * so the answer includes events uploaded a moment ago and events that arrived days late.
 */
export async function readActivity(
  sql: Sql,
  mode: TimeseriesMode,
  q: {
    seniorId: string;
    from: Date;
    to: Date;
    bucketHours: number;
    sensorId?: string | undefined;
    /** The cloud's clock; decides which hours are complete. */
    now?: Date;
  },
): Promise<ActivityBucket[]> {
  let source = sql`activity_hourly`;
  if (mode === 'native') await refreshActivity(sql, q.from, q.to, q.seniorId);
  else if ((await refreshContinuousAggregate(sql, q.from, q.to, q.now ?? new Date())) === 'refreshed')
    source = sql`activity_hourly_cagg`;
  // While someone else refreshes, this read counts the raw rows itself: the same numbers, more work.
  else source = sql`(${hourlyFromRaw(sql, q)}) raw`;
  const width = q.bucketHours * 3600;
  const rows = await sql<{ bucket: Date; sensor_id: string; events: number; active_events: number }[]>`
    select to_timestamp(floor(extract(epoch from bucket) / ${width}) * ${width}) as bucket, sensor_id,
      sum(events)::int as events, sum(active_events)::int as active_events
    from ${source}
    where senior_id = ${q.seniorId} and bucket >= ${q.from} and bucket < ${q.to}
      ${q.sensorId ? sql`and sensor_id = ${q.sensorId}` : sql``}
    group by 1, 2 order by 1, 2`;
  return rows.map((r) => ({
    bucket: r.bucket.toISOString(),
    sensorId: r.sensor_id,
    events: r.events,
    activeEvents: r.active_events,
  }));
}

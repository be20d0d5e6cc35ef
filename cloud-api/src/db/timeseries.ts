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
      group by 1, 2, 3`;
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
}

/** One hour of one sensor's activity. */
export interface ActivityBucket {
  bucket: string;
  sensorId: string;
  events: number;
  activeEvents: number;
}

/**
 * Hourly (or coarser) activity of a senior over [from, to). Native mode refreshes the range first,
 * so the answer includes events uploaded a moment ago.
 */
export async function readActivity(
  sql: Sql,
  mode: TimeseriesMode,
  q: { seniorId: string; from: Date; to: Date; bucketHours: number; sensorId?: string | undefined },
): Promise<ActivityBucket[]> {
  if (mode === 'native') await refreshActivity(sql, q.from, q.to, q.seniorId);
  const source = mode === 'timescaledb' ? sql`activity_hourly_cagg` : sql`activity_hourly`;
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

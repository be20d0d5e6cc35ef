import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseTarget, databaseTargets, timescaleTarget } from '../../test/targets.js';
import { type Database, openDatabase } from './database.js';
import { migrate } from './migrate.js';
import {
  detectTimeseriesMode,
  ensureContinuousAggregate,
  ensurePartitions,
  readActivity,
  type TimeseriesMode,
} from './timeseries.js';

const timescale = await timescaleTarget();
if ('unavailable' in timescale) {
  console.warn(
    `\n*** SKIPPED: the TimescaleDB storage suites did not run: ${timescale.unavailable}. ` +
      'Only native partitioning was tested. ***\n',
  );
}

describe.each(databaseTargets())('native sensor history storage on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  const seniorId = randomUUID();
  const hubId = randomUUID();

  beforeAll(async () => {
    const created = await target.createDatabase('native');
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  const insert = (seq: number, ts: string, kind = 'motion', value: unknown = true) =>
    db.sql`insert into sensor_events (hub_id, senior_id, seq, ts, sensor_id, kind, value)
      values (${hubId}, ${seniorId}, ${seq}, ${ts}, ${`${kind}-1`}, ${kind}, ${db.sql.json(value as never)})`;

  it('keeps native partitions, whatever the server offers', async () => {
    expect(await detectTimeseriesMode(db.sql)).toBe('native');
    const [parts] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_inherits where inhparent = 'sensor_events'::regclass`;
    expect(parts?.n).toBeGreaterThan(0);
  });

  it('creates monthly partitions ahead, and moves rows that had landed in the default partition', async () => {
    // A hub with a wrong clock wrote into a month that had no partition yet.
    await insert(1, '2027-03-10T12:00:00Z');
    const created = await ensurePartitions(db.sql, new Date('2027-02-15T00:00:00Z'), 2);
    expect(created).toEqual([
      'sensor_events_p202701',
      'sensor_events_p202702',
      'sensor_events_p202703',
      'sensor_events_p202704',
    ]);
    expect(await ensurePartitions(db.sql, new Date('2027-02-15T00:00:00Z'), 2)).toEqual([]);
    const [where] = await db.sql<{ part: string }[]>`
      select tableoid::regclass::text as part from sensor_events where seq = 1 and hub_id = ${hubId}`;
    expect(where?.part).toBe('sensor_events_p202703');
    const [inDefault] = await db.sql`select count(*)::int as n from sensor_events_default`;
    expect(inDefault?.n).toBe(0);
  });

  it('rolls activity up by hour and by day, counting only signs of life as active', async () => {
    await insert(2, '2027-02-01T08:05:00Z');
    await insert(3, '2027-02-01T08:45:00Z', 'motion', false);
    await insert(4, '2027-02-01T09:10:00Z', 'temperature', 21.5);
    await insert(5, '2027-02-01T09:20:00Z', 'contact', 'open');
    const q = { seniorId, from: new Date('2027-02-01T00:00:00Z'), to: new Date('2027-02-02T00:00:00Z') };
    const hourly = await readActivity(db.sql, 'native', { ...q, bucketHours: 1 });
    expect(hourly).toEqual([
      { bucket: '2027-02-01T08:00:00.000Z', sensorId: 'motion-1', events: 2, activeEvents: 1 },
      { bucket: '2027-02-01T09:00:00.000Z', sensorId: 'contact-1', events: 1, activeEvents: 1 },
      { bucket: '2027-02-01T09:00:00.000Z', sensorId: 'temperature-1', events: 1, activeEvents: 0 },
    ]);
    // A late upload is included next time: the rollup is refreshed for the range asked about.
    await insert(6, '2027-02-01T08:30:00Z');
    const daily = await readActivity(db.sql, 'native', { ...q, bucketHours: 24, sensorId: 'motion-1' });
    expect(daily).toEqual([
      { bucket: '2027-02-01T00:00:00.000Z', sensorId: 'motion-1', events: 3, activeEvents: 2 },
    ]);
  });
});

describe.skipIf('unavailable' in timescale)('TimescaleDB sensor history storage', () => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await (timescale as DatabaseTarget).createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
    await ensureContinuousAggregate(db.sql);
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('makes sensor_events a hypertable with compression after 7 days and retention after 400', async () => {
    expect(await detectTimeseriesMode(db.sql)).toBe('timescaledb');
    const jobs = await db.sql<{ proc: string; config: Record<string, string> }[]>`
      select proc_name as proc, config from timescaledb_information.jobs
      where hypertable_name = 'sensor_events' order by proc_name`;
    expect(jobs.map((j) => [j.proc, j.config.compress_after ?? j.config.drop_after])).toEqual([
      ['policy_compression', '7 days'],
      ['policy_retention', '400 days'],
    ]);
  });

  it('sends no telemetry and serves the last hour from raw rows', async () => {
    const [setting] = await db.sql<
      { level: string }[]
    >`select current_setting('timescaledb.telemetry_level') as level`;
    expect(setting?.level).toBe('off');
    const [view] = await db.sql<{ materialized_only: boolean }[]>`
      select materialized_only from timescaledb_information.continuous_aggregates
      where view_name = 'activity_hourly_cagg'`;
    expect(view?.materialized_only).toBe(false);
  });
});

// One suite, every storage: the activity summary must give the same buckets however history is kept.
const activityTargets: { name: string; mode: TimeseriesMode; target: DatabaseTarget }[] = [
  ...databaseTargets().map((target) => ({
    name: `native on ${target.name}`,
    mode: 'native' as const,
    target,
  })),
  ...('unavailable' in timescale
    ? []
    : [{ name: 'timescaledb', mode: 'timescaledb' as const, target: timescale }]),
];

describe.each(activityTargets)('activity summaries ($name)', ({ mode, target }) => {
  let db: Database;
  let drop: () => Promise<void>;
  const seniorId = randomUUID();
  const hubId = randomUUID();
  let seq = 0;

  beforeAll(async () => {
    const created = await target.createDatabase(mode === 'native' ? 'native' : 'auto');
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
    expect(await detectTimeseriesMode(db.sql)).toBe(mode);
    if (mode === 'timescaledb') await ensureContinuousAggregate(db.sql);
    else await ensurePartitions(db.sql, new Date());
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const motion = (ts: Date) =>
    db.sql`insert into sensor_events (hub_id, senior_id, seq, ts, sensor_id, kind, value)
      values (${hubId}, ${seniorId}, ${++seq}, ${ts.toISOString()}, 'motion-hall', 'motion', ${db.sql.json(true)})`;
  const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000).toISOString();
  const read = (now: Date) =>
    readActivity(db.sql, mode, {
      seniorId,
      from: new Date(now.getTime() - 8 * 86_400_000),
      to: new Date(now.getTime() + 3_600_000),
      bucketHours: 1,
      now,
    });

  it('counts readings a minute old and readings that arrive a week late', async () => {
    const now = new Date();
    const weekAgo = new Date(now.getTime() - 7 * 86_400_000 + 3 * 3_600_000);
    const minuteAgo = new Date(now.getTime() - 60_000);
    await motion(weekAgo);
    await motion(minuteAgo);
    // The first read brings the older hours into the summary...
    expect(await read(now)).toEqual([
      { bucket: hourOf(weekAgo), sensorId: 'motion-hall', events: 1, activeEvents: 1 },
      { bucket: hourOf(minuteAgo), sensorId: 'motion-hall', events: 1, activeEvents: 1 },
    ]);
    // ...and a hub back from a week offline uploads into hours already summarised.
    await motion(weekAgo);
    await motion(minuteAgo);
    expect(await read(new Date())).toEqual([
      { bucket: hourOf(weekAgo), sensorId: 'motion-hall', events: 2, activeEvents: 2 },
      { bucket: hourOf(minuteAgo), sensorId: 'motion-hall', events: 2, activeEvents: 2 },
    ]);
  });

  it('gives every one of several dashboards reading at once the same answer', async () => {
    await motion(new Date(Date.now() - 2 * 86_400_000));
    const answers = await Promise.all(Array.from({ length: 6 }, () => read(new Date())));
    expect(answers[0]).toHaveLength(3);
    for (const a of answers) expect(a).toEqual(answers[0]);
  });
});

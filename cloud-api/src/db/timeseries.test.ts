import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { detectTimeseriesMode, ensurePartitions, readActivity } from './timeseries.js';

describe.each(databaseTargets())('sensor history storage on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  const seniorId = randomUUID();
  const hubId = randomUUID();

  beforeAll(async () => {
    const created = await target.createDatabase();
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

  it('uses native partitions where TimescaleDB is not preloaded, even with its package installed', async () => {
    // A preloaded timescaledb defines its settings; neither test target preloads it.
    const [row] = await db.sql`select current_setting('timescaledb.max_background_workers', true) as setting`;
    expect(row?.setting ?? null).toBeNull();
    expect(await detectTimeseriesMode(db.sql)).toBe('native');
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

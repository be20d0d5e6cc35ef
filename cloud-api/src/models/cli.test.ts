import { simulateDays } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { trainCommand } from './cli.js';
import { MemoryObjectStore } from './object-store.js';
import { ModelRegistry } from './registry.js';

const DAY = 86_400_000;
const month = Date.UTC(2026, 0, 5);

describe.each(databaseTargets())('hearth-cloud train on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  let seniorId: string;
  const store = new MemoryObjectStore();
  const lines: string[] = [];
  const errors: string[] = [];
  const ctx = () => ({
    sql: db.sql,
    store,
    now: () => new Date(month + 28 * DAY),
    out: { log: (l: string) => lines.push(l), error: (l: string) => errors.push(l) },
  });

  beforeAll(async () => {
    const created = await target.createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
    const [senior] = await db.sql<
      { id: string }[]
    >`insert into seniors (name, timezone) values ('Ada', 'UTC') returning id`;
    seniorId = (senior as { id: string }).id;
    const hubId = '6f1c2d1e-8a3b-4c5d-9e0f-112233445566';
    const rows = simulateDays(month, 28, 7).map((e, i) => ({
      hub_id: hubId,
      senior_id: seniorId,
      seq: i + 1,
      ts: new Date(e.ts),
      sensor_id: e.sensorId,
      kind: e.kind,
      value: db.sql.json(e.value as never),
      room: e.room ?? null,
    }));
    for (let i = 0; i < rows.length; i += 2000)
      await db.sql`insert into sensor_events ${db.sql(rows.slice(i, i + 2000))}`;
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('trains and activates the senior’s model, printing the new version', async () => {
    expect(await trainCommand(['--senior', seniorId], ctx())).toBe(0);
    const printed = JSON.parse(lines.at(-1) ?? '{}');
    expect(printed).toMatchObject({ seniorId, version: 1, active: true });
    expect(printed.metrics.windows).toBeGreaterThan(3000);
    const active = await new ModelRegistry(db.sql, store).active(seniorId);
    expect(active?.sha256).toBe(printed.sha256);
  });

  it('explains bad usage and an untrainable senior with distinct exit codes', async () => {
    expect(await trainCommand([], ctx())).toBe(2);
    expect(await trainCommand(['--senior', seniorId, '--days', '3'], ctx())).toBe(2);
    expect(await trainCommand(['--senior', seniorId, '--bogus'], ctx())).toBe(2);
    expect(errors.join('\n')).toMatch(/--senior must be|--days must be|Unknown option/);
    expect(await trainCommand(['--senior', '00000000-0000-4000-8000-000000000000'], ctx())).toBe(1);
    expect(errors.at(-1)).toMatch(/UNKNOWN_SENIOR/);
  });
});

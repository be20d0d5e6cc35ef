import { RulesConfig, simulateDays } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { TrainingError } from './baseline.js';
import { SeniorRulesStore } from './rules-store.js';
import { learnSeniorStillness } from './stillness.js';

const DAY = 86_400_000;
const first = Date.UTC(2026, 0, 5); // a Monday
const now = () => new Date(first + 35 * DAY);

describe.each(databaseTargets())('learning what stillness is usual for a senior on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  let seniorId: string;
  let newcomerId: string;

  beforeAll(async () => {
    const created = await target.createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
    const seniors = await db.sql<{ id: string }[]>`
      insert into seniors (name, timezone) values ('Ada', 'Europe/London'), ('Bea', 'UTC') returning id`;
    seniorId = (seniors[0] as { id: string }).id;
    newcomerId = (seniors[1] as { id: string }).id;
    const hubId = '6f1c2d1e-8a3b-4c5d-9e0f-112233445566';
    const history = [
      ...simulateDays(first, 35, 3).map((e) => ({ ...e, senior: seniorId })),
      ...simulateDays(first + 32 * DAY, 3, 4).map((e) => ({ ...e, senior: newcomerId })),
    ];
    const rows = history.map((e, i) => ({
      hub_id: hubId,
      senior_id: e.senior,
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

  it('learns per room and hour of the week, the longest outing and the usual times, and keeps them with the rules', async () => {
    const { rules, stillness } = await learnSeniorStillness({ sql: db.sql, now }, seniorId);
    expect(stillness.historyDays).toBeGreaterThanOrEqual(34);
    expect(Object.keys(stillness.rooms).sort()).toEqual(['bedroom', 'entrance', 'kitchen', 'living']);
    expect(stillness.rooms.living).toHaveLength(168);
    // The afternoon walk: about an hour out of the front door, every day.
    expect(stillness.outMinutes).toBeGreaterThanOrEqual(50);
    expect(stillness.outMinutes).toBeLessThanOrEqual(80);
    expect(stillness.wakeTime).toMatch(/^0[67]:\d\d$/);
    // What the hub is sent (`GET /hub/config` and the rules notice) carries them.
    const served = await new SeniorRulesStore(db.sql).forSenior(seniorId);
    expect(served?.stillness).toEqual(stillness);
    expect(rules).toEqual(served);
    expect(RulesConfig.parse(JSON.parse(JSON.stringify(served))).stillness).toEqual(stillness);
  });

  it('keeps what was learned when an admin tunes a rule, and will not take it set by hand', async () => {
    const store = new SeniorRulesStore(db.sql);
    const learned = (await store.forSenior(seniorId))?.stillness;
    const updated = await store.replace(
      seniorId,
      { bathroom: { maxMinutes: 30 }, stillness: { ...learned, outMinutes: 1 } },
      null,
    );
    expect(updated?.bathroom.maxMinutes).toBe(30);
    expect(updated?.stillness).toEqual(learned);
  });

  it('refuses to learn from too little history, and from nobody', async () => {
    await expect(learnSeniorStillness({ sql: db.sql, now }, newcomerId)).rejects.toMatchObject({
      code: 'NOT_ENOUGH_HISTORY',
    });
    expect((await new SeniorRulesStore(db.sql).forSenior(newcomerId))?.stillness).toBeUndefined();
    await expect(
      learnSeniorStillness({ sql: db.sql, now }, '00000000-0000-4000-8000-000000000000'),
    ).rejects.toBeInstanceOf(TrainingError);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from './database.js';
import { migrate, readMigrations } from './migrate.js';

describe.each(databaseTargets())('migrations on $name', (target) => {
  let db: Database;
  let other: Database | undefined;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await target.createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    if (created.url) other = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
  });
  afterAll(async () => {
    await other?.close();
    await db.close();
    await drop();
  });

  it('applies every migration once, even when two instances start together', async () => {
    const all = readMigrations().map((m) => m.version);
    const [a, b] = await Promise.all([migrate(db.sql), migrate((other ?? db).sql)]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(all);
    expect(await migrate(db.sql)).toEqual([]);
    const rows = await db.sql<{ version: number }[]>`select version from schema_migrations order by version`;
    expect(rows.map((r) => r.version)).toEqual(all);
  });

  it('rolls back a failing migration completely and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-mig-'));
    writeFileSync(
      join(dir, '9001_half_done.sql'),
      'create table half_done (id int); select * from no_such_table;',
    );
    await expect(migrate(db.sql, readMigrations(dir))).rejects.toThrow(/9001_half_done failed/);
    const [exists] = await db.sql`select to_regclass('half_done') as t`;
    expect(exists?.t).toBeNull();
  });

  it('keeps the audit log append-only', async () => {
    await db.sql`insert into audit_log (actor_type, action) values ('system', 'test.write')`;
    await expect(db.sql`update audit_log set action = 'forged'`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from audit_log`).rejects.toThrow(/append-only/);
  });
});

describe('readMigrations', () => {
  it('refuses a misnamed file and a repeated version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-mig-'));
    writeFileSync(join(dir, 'add_things.sql'), 'select 1');
    expect(() => readMigrations(dir)).toThrow(/NNNN_name\.sql/);
    const dup = mkdtempSync(join(tmpdir(), 'hearth-mig-'));
    writeFileSync(join(dup, '0001_a.sql'), 'select 1');
    writeFileSync(join(dup, '0001_b.sql'), 'select 1');
    expect(() => readMigrations(dup)).toThrow(/share version 1/);
  });
});

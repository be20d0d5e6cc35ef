import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

describe('embedded database', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-embedded-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a new data directory, keeps what was written across a reopen, and runs on a small buffer pool', {
    timeout: 180_000,
  }, async () => {
    const dataDir = tempDir();
    const first = await openDatabase({ databaseUrl: undefined, dataDir });
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);
    await first.sql`create table kept (note text)`;
    await first.sql`insert into kept values ('still here')`;
    await first.close();

    const again = await openDatabase({ databaseUrl: undefined, dataDir });
    try {
      expect(await again.sql`select note from kept`).toEqual([{ note: 'still here' }]);
      const [settings] = await again.sql<{ shared_buffers: string; timezone: string }[]>`
        select current_setting('shared_buffers') as shared_buffers, current_setting('TimeZone') as timezone`;
      // initdb's settings (the time zone) stay; only the buffer pool is ours.
      expect(settings).toEqual({ shared_buffers: '16MB', timezone: 'UTC' });
    } finally {
      await again.close();
    }
  });

  it('says why when the data directory cannot be created', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'pgdata'));
    // A file where initdb must make a directory.
    writeFileSync(join(dataDir, 'pgdata', 'base'), 'not a directory');
    await expect(openDatabase({ databaseUrl: undefined, dataDir })).rejects.toThrow(
      /PGlite could not create its data directory .*pgdata/,
    );
    // The lock was given back: the directory is not left claimed by a process that failed.
    expect(existsSync(join(dataDir, 'hearth-cloud.lock'))).toBe(false);
  });
});

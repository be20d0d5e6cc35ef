import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from './memory-outbox.js';
import { outboxContract } from './outbox.contract.js';
import { openSqliteOutbox } from './sqlite-outbox.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'hearth-outbox-'));

outboxContract('in memory', () => ({ store: new MemoryOutboxStore() }));
outboxContract('SQLite', () => ({
  store: openSqliteOutbox({ path: join(tempDir(), 'outbox.db'), bootId: 'boot-1' }),
}));

describe('SQLite outbox on disk', () => {
  const reading = { ts: 1, sensorId: 'pir', kind: 'motion' as const, value: true };

  it('keeps entries, cursor and seqs across a restart', () => {
    const path = join(tempDir(), 'outbox.db');
    const first = openSqliteOutbox({ path, bootId: 'boot-1' });
    first.append([reading, reading, reading]);
    first.acknowledge(2, 100);
    first.close();
    const second = openSqliteOutbox({ path, bootId: 'boot-2' });
    expect(second.pending(10).map((e) => [e.seq, e.bootId])).toEqual([[3, 'boot-1']]);
    expect(second.append([reading])[0]).toMatchObject({ seq: 4, bootId: 'boot-2' });
    expect(second.stats()).toMatchObject({ ackedThroughSeq: 2, lastUploadAt: 100 });
    second.close();
  });

  it('uses WAL, full sync and the current schema version', () => {
    const path = join(tempDir(), 'outbox.db');
    openSqliteOutbox({ path, bootId: 'b' }).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.close();
  });

  it('moves a corrupt database aside and continues seqs above any it handed out', () => {
    const dir = tempDir();
    const path = join(dir, 'outbox.db');
    const store = openSqliteOutbox({ path, bootId: 'b' });
    store.append([reading, reading]);
    store.close();
    writeFileSync(path, `this is not a database ${randomUUID()}`.repeat(200));
    const found: string[] = [];
    const fresh = openSqliteOutbox({
      path,
      bootId: 'b',
      now: () => 42,
      onCorruption: (i) => found.push(i.movedTo),
    });
    expect(found).toEqual([`${path}.corrupt-42`]);
    expect(existsSync(`${path}.corrupt-42`)).toBe(true);
    const [next] = fresh.append([reading]);
    expect(next!.seq).toBeGreaterThan(2);
    fresh.close();
    expect(readdirSync(dir)).toContain('outbox.db');
  });

  it('refuses a database written by a newer hub-agent with a message saying what to do', () => {
    const path = join(tempDir(), 'outbox.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openSqliteOutbox({ path, bootId: 'b' })).toThrow(/newer than this hearth-agent/);
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { MemoryObjectStore } from './object-store.js';
import { ModelRegistry, RegistryError } from './registry.js';

const bytes = (n: number) => new Uint8Array(64).fill(n);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(databaseTargets())('model registry on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  let store: MemoryObjectStore;
  let registry: ModelRegistry;

  beforeAll(async () => {
    const created = await target.createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
    store = new MemoryObjectStore();
    registry = new ModelRegistry(db.sql, store);
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const newSenior = async () => {
    const [row] = await db.sql<{ id: string }[]>`insert into seniors (name) values ('Ada') returning id`;
    return (row as { id: string }).id;
  };

  it('numbers versions per senior, stores the file by sha256 and starts with none active', async () => {
    const a = await newSenior();
    const b = await newSenior();
    const v1 = await registry.register({ seniorId: a, bytes: bytes(1), source: 'trained', threshold: 4.2 });
    const v2 = await registry.register({ seniorId: a, bytes: bytes(2), source: 'uploaded' });
    const other = await registry.register({ seniorId: b, bytes: bytes(3), source: 'trained' });
    expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
    expect(v1.sha256).toBe(sha(bytes(1)));
    expect(v1.threshold).toBe(4.2);
    expect(await registry.active(a)).toBeUndefined();
    expect(Array.from(await registry.readBytes(v2))).toEqual(Array.from(bytes(2)));
    expect((await registry.list(a)).map((m) => m.version)).toEqual([2, 1]);
  });

  it('keeps exactly one active version and rolls back through earlier ones', async () => {
    const s = await newSenior();
    for (const n of [1, 2, 3]) await registry.register({ seniorId: s, bytes: bytes(n), source: 'trained' });
    await expect(registry.rollback(s, null)).rejects.toMatchObject({ code: 'NO_PREVIOUS_MODEL' });
    await registry.activate(s, 1, null);
    await registry.activate(s, 2, null);
    await registry.activate(s, 3, null);
    expect((await registry.list(s)).filter((m) => m.active).map((m) => m.version)).toEqual([3]);
    expect((await registry.rollback(s, null)).version).toBe(2);
    expect((await registry.rollback(s, null)).version).toBe(1);
    await expect(registry.rollback(s, null)).rejects.toBeInstanceOf(RegistryError);
    expect((await registry.active(s))?.version).toBe(1);
    // Activating a version rolled back from makes it eligible again.
    await registry.activate(s, 3, null);
    expect((await registry.rollback(s, null)).version).toBe(1);
  });

  it('refuses to activate a version that does not exist', async () => {
    const s = await newSenior();
    await expect(registry.activate(s, 9, null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('numbers concurrent registrations without gaps or duplicates', async () => {
    const s = await newSenior();
    const made = await Promise.all(
      [1, 2, 3, 4].map((n) => registry.register({ seniorId: s, bytes: bytes(n), source: 'trained' })),
    );
    expect(made.map((m) => m.version).sort()).toEqual([1, 2, 3, 4]);
  });

  it('notices a model file that changed or vanished in the store', async () => {
    const s = await newSenior();
    const m = await registry.register({ seniorId: s, bytes: bytes(5), source: 'trained' });
    await store.put(m.objectKey, bytes(6));
    await expect(registry.readBytes(m)).rejects.toMatchObject({ code: 'INTEGRITY' });
    await store.delete(m.objectKey);
    await expect(registry.readBytes(m)).rejects.toMatchObject({ code: 'INTEGRITY' });
  });

  it('registers nothing when the store fails, and records what the hub said', async () => {
    const s = await newSenior();
    store.failNextPut();
    await expect(registry.register({ seniorId: s, bytes: bytes(7), source: 'trained' })).rejects.toThrow();
    expect(await registry.list(s)).toEqual([]);
    const m = await registry.register({ seniorId: s, bytes: bytes(7), source: 'trained' });
    expect(m.version).toBe(1);
    const reason = 'model failed its sanity check';
    expect(
      await registry.recordHubStatus(s, { version: 1, sha256: m.sha256, status: 'rejected', reason }),
    ).toBe(true);
    expect(await registry.recordHubStatus(s, { version: 2, sha256: m.sha256, status: 'active' })).toBe(false);
    expect((await registry.get(s, 1))?.hubStatusReason).toBe(reason);
  });
});

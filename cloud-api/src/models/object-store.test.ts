import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LocalDirectoryObjectStore,
  MemoryObjectStore,
  ObjectKeyError,
  type ObjectStore,
} from './object-store.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const targets: [string, () => ObjectStore][] = [
  [
    'local directory',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'hearth-objects-'));
      dirs.push(dir);
      return new LocalDirectoryObjectStore(dir);
    },
  ],
  ['memory', () => new MemoryObjectStore()],
];

describe.each(targets)('object store contract: %s', (_name, open) => {
  it('stores, replaces, returns and deletes objects', async () => {
    const store = open();
    const key = 'models/6f1c2d1e/1-abc.onnx';
    expect(await store.get(key)).toBeNull();
    await store.put(key, new Uint8Array([1, 2, 3]));
    await store.put(key, new Uint8Array([4, 5]));
    expect(Array.from((await store.get(key)) ?? [])).toEqual([4, 5]);
    await store.delete(key);
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
  });

  it('keeps its own copy of the bytes', async () => {
    const store = open();
    const bytes = new Uint8Array([7, 7, 7]);
    await store.put('a/b', bytes);
    bytes[0] = 0;
    const got = await store.get('a/b');
    expect(got?.[0]).toBe(7);
  });

  it('refuses keys that could escape the store', async () => {
    const store = open();
    for (const key of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', '', 'a/./b']) {
      await expect(store.put(key, new Uint8Array([1])), key).rejects.toThrow(ObjectKeyError);
    }
  });
});

describe('local directory store', () => {
  it('leaves no temporary files behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-objects-'));
    dirs.push(dir);
    const store = new LocalDirectoryObjectStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('m/x.onnx', new Uint8Array([i]))));
    expect(readdirSync(join(dir, 'm'))).toEqual(['x.onnx']);
  });
});

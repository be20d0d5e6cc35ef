import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Where model files live: a local directory by default, anything with the same four verbs in
 * production (an S3 bucket adapter fits behind it). Keys look like paths: `models/<senior>/<file>`.
 */
export interface ObjectStore {
  /** Stores the bytes under `key`, replacing any; readers never see a half-written object. @throws on I/O failure or an invalid key. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `key`, or null when there is none. @throws on I/O failure or an invalid key. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes the object; a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Thrown for a key that could escape the store or is not a plain path. */
export class ObjectKeyError extends Error {
  readonly code = 'INVALID_OBJECT_KEY';
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 512 || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new ObjectKeyError(
      `invalid object key ${JSON.stringify(key)}: use letters, digits, . _ - and / between parts`,
    );
  }
  return key;
}

/** Objects as files under one directory; writes go to a temporary file and are renamed into place. */
export class LocalDirectoryObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(join(this.root, checkKey(key)));
    // Belt and braces: the key check already refuses `..`, this refuses anything that resolves outside.
    if (!p.startsWith(this.root + sep))
      throw new ObjectKeyError(`object key ${key} resolves outside the store`);
    return p;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes, { flag: 'wx' });
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

/** Objects in memory, for tests and the demo. `failNextPut()` makes the next put throw, as a full disk would. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Uint8Array>();
  private failing = false;

  async put(key: string, bytes: Uint8Array): Promise<void> {
    checkKey(key);
    if (this.failing) {
      this.failing = false;
      throw new Error('object store unavailable');
    }
    this.objects.set(key, bytes.slice());
  }

  async get(key: string): Promise<Uint8Array | null> {
    checkKey(key);
    const found = this.objects.get(key);
    return found ? found.slice() : null;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    this.objects.delete(key);
  }

  failNextPut(): void {
    this.failing = true;
  }

  /** Keys held, for tests. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }
}

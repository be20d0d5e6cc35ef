import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const InstalledMeta = z.object({
  version: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  installedAt: z.string(),
});
export type InstalledMeta = z.infer<typeof InstalledMeta>;

/** A model file kept on the hub's disk with what it is. */
export interface InstalledModel {
  bytes: Uint8Array;
  meta: InstalledMeta;
}

/**
 * The hub's models on disk, beside its database: the active one and the one before it, so the
 * hub starts with its model even offline and can fall back without a download. Every write goes
 * to a temporary file renamed into place, so a power cut leaves the old or the new file, never half.
 */
export class ModelFiles {
  constructor(private readonly dir: string) {}

  /** The installed model of `slot`, or undefined when absent or unreadable (the caller logs and carries on). */
  async read(slot: 'active' | 'previous'): Promise<InstalledModel | undefined> {
    try {
      const meta = InstalledMeta.parse(JSON.parse(await readFile(this.path(slot, 'json'), 'utf8')));
      const bytes = new Uint8Array(await readFile(this.path(slot, 'onnx')));
      return { bytes, meta };
    } catch {
      return undefined;
    }
  }

  /** Makes `bytes` the active model; the active one becomes the previous. @throws on I/O failure (nothing changed for the active file). */
  async promote(
    bytes: Uint8Array,
    meta: Omit<InstalledMeta, 'installedAt'>,
    now = new Date(),
  ): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const current = await this.read('active');
    if (current && current.meta.sha256 !== meta.sha256)
      await this.write('previous', current.bytes, current.meta);
    await this.write('active', bytes, { ...meta, installedAt: now.toISOString() });
  }

  /** Makes the previous model the active one again. @returns false when there is none. */
  async rollback(): Promise<boolean> {
    const previous = await this.read('previous');
    if (!previous) return false;
    await this.write('active', previous.bytes, previous.meta);
    await rm(this.path('previous', 'json'), { force: true });
    await rm(this.path('previous', 'onnx'), { force: true });
    return true;
  }

  private path(slot: string, ext: string): string {
    return join(this.dir, `${slot}.${ext}`);
  }

  // The model file first, its description last: a description always names a complete file.
  private async write(slot: 'active' | 'previous', bytes: Uint8Array, meta: InstalledMeta): Promise<void> {
    await atomicWrite(this.path(slot, 'onnx'), bytes);
    await atomicWrite(this.path(slot, 'json'), `${JSON.stringify(meta)}\n`);
  }
}

async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Why a bundle could not be stored. */
export class BundleTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the bundle exceeds ${maxBytes} bytes`);
  }
}

/** A bundle received into the releases directory, not yet named as a release. */
export interface ReceivedBundle {
  /** Temporary path; `keep()` gives it its final name, `discard()` deletes it. */
  path: string;
  sha256: string;
  size: number;
}

/**
 * The releases directory: bundles streamed to disk as they arrive (hashed and counted on the way,
 * never held in memory), then renamed to `hearth-hub-<version>-linux-<arch>.tar.gz`. Every instance
 * must see the same directory (a shared volume), as any of them may serve a hub's download.
 */
export class BundleFiles {
  constructor(readonly dir: string) {}

  /**
   * Streams `body` into a temporary file, stopping as soon as it passes `maxBytes`.
   * @throws BundleTooLarge (the partial file is deleted), or the stream's own error.
   */
  async receive(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<ReceivedBundle> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `.upload-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const source = body
      ? Readable.fromWeb(body as import('node:stream/web').ReadableStream)
      : Readable.from([]);
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > maxBytes) throw new BundleTooLarge(maxBytes);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(path, { mode: 0o640 }),
      );
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return { path, sha256: hash.digest('hex'), size };
  }

  /** The final name of a release's bundle. */
  fileName(version: string, arch: string): string {
    return `hearth-hub-${version}-linux-${arch}.tar.gz`;
  }

  /** Gives a received bundle its final name (replacing nothing: the caller checked the version is new). */
  async keep(received: ReceivedBundle, fileName: string): Promise<void> {
    await rename(received.path, join(this.dir, fileName));
  }

  async discard(received: ReceivedBundle): Promise<void> {
    await rm(received.path, { force: true });
  }

  /** Size of a stored bundle, or undefined when the file is missing. */
  async size(fileName: string): Promise<number | undefined> {
    try {
      return (await stat(join(this.dir, fileName))).size;
    } catch {
      return undefined;
    }
  }

  /** The bytes `start..end` (inclusive) of a stored bundle, as a web stream. */
  read(fileName: string, start: number, end: number): ReadableStream<Uint8Array> {
    return Readable.toWeb(
      createReadStream(join(this.dir, fileName), { start, end }),
    ) as ReadableStream<Uint8Array>;
  }
}

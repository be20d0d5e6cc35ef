// Packs a staged folder into a .tar.gz that is byte-for-byte the same for the same files: entries
// sorted by name, one fixed mtime, root-owned, normalised modes, and gzip without a timestamp.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Writes `outFile` from `dir` (the archive holds `basename(dir)/…`). GNU tar and gzip are required. */
export function packReproducibly(dir: string, outFile: string, mtime: number): void {
  const tar = [
    '--sort=name',
    `--mtime=@${mtime}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--format=gnu',
    // Owner-writable only; executables stay executable whatever the build machine's umask was.
    '--mode=u+rwX,go+rX,go-w',
    '-C',
    dirname(dir),
    '-cf',
    '-',
    basename(dir),
  ];
  execFileSync('sh', ['-c', 'tar "$@" | gzip -n > "$OUT"', 'tar', ...tar], {
    env: { ...process.env, OUT: outFile },
    stdio: ['ignore', 'inherit', 'inherit'],
    maxBuffer: 1 << 20,
  });
}

/** The sha256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A file size for people: `41.3 MiB`. */
export function humanSize(path: string): string {
  return `${(statSync(path).size / 1024 / 1024).toFixed(1)} MiB`;
}

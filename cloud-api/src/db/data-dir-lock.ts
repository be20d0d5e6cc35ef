import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when another live process holds the embedded database; the message says what to do. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

interface Holder {
  pid: number;
  command: string;
  since: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the embedded data directory for this process: PGlite has one writer, and a second process
 * writing the same files would corrupt them (and its changes would never reach the running server).
 * A lock left by a process that died is taken over.
 * @returns a function that releases the lock.
 * @throws DataDirLockedError naming the running process and what to do instead.
 */
export function lockDataDir(dataDir: string, command: string): () => void {
  const file = join(dataDir, 'hearth-cloud.lock');
  const mine: Holder = { pid: process.pid, command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          const holder = JSON.parse(readFileSync(file, 'utf8')) as Holder;
          if (holder.pid === process.pid) rmSync(file, { force: true });
        } catch {}
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    } catch {}
    if (holder && holder.pid !== process.pid && alive(holder.pid)) {
      throw new DataDirLockedError(
        `the embedded database in ${dataDir} is in use by \`hearth-cloud ${holder.command}\` (pid ${holder.pid}, since ${holder.since}). ` +
          'Stop that process first (its changes and yours would not see each other), ' +
          'or point both at a shared PostgreSQL with DATABASE_URL.',
      );
    }
    rmSync(file, { force: true });
  }
  throw new DataDirLockedError(`could not lock ${dataDir}: another process keeps taking it`);
}

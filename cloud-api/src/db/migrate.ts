import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sql, transaction } from './database.js';

/** Key of the advisory lock every instance takes before migrating, so two starting together never race. */
const MIGRATION_LOCK_KEY = 7_243_011_001;

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads `NNNN_name.sql` files in version order. @throws on a misnamed file or a repeated version. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const seen = new Map<number, string>();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!m) throw new Error(`migration file ${file} must be named NNNN_name.sql`);
      const version = Number(m[1]);
      const other = seen.get(version);
      if (other) throw new Error(`migrations ${other} and ${file} share version ${version}`);
      seen.set(version, file);
      return { version, name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in order, all inside one
 * transaction holding an advisory lock: a second instance waits, then finds nothing left to do.
 * Forward only: an applied migration is never edited or undone.
 * @returns the versions applied by this call.
 * @throws (and rolls back everything) when a migration fails.
 */
export async function migrate(sql: Sql, migrations = readMigrations()): Promise<number[]> {
  return transaction(sql, async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
    const rows = await tx<{ version: number }[]>`select version from schema_migrations`;
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      try {
        await tx.unsafe(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      done.push(m.version);
    }
    return done;
  }) as Promise<number[]>;
}

import type { Logger } from 'pino';
import type { CloudConfig } from '../config.js';
import { type Database, openDatabase, type Sql } from './database.js';
import { migrate } from './migrate.js';
import { detectTimeseriesMode, ensureContinuousAggregate } from './timeseries.js';

/** The role the embedded server runs as inside PGlite, after migrating as the superuser. */
export const EMBEDDED_SERVER_ROLE = 'hearth_server';

const quoteRole = (role: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(role)) throw new Error(`unexpected database role name ${role}`);
  return `"${role}"`;
};

/**
 * Gives the server's role what it needs and no more: reading and writing the tables, but only
 * INSERT and SELECT on `audit_log` (no UPDATE, DELETE or TRUNCATE, and as it owns nothing, no
 * ALTER TABLE … DISABLE TRIGGER), SELECT on `schema_migrations`, the sequences, and the partition
 * function. Run as the schema owner after every migration, so tables added later are covered.
 */
export async function grantServerRole(owner: Sql, role: string): Promise<void> {
  const r = quoteRole(role);
  await owner.unsafe(`
    grant usage on schema public to ${r};
    grant select, insert, update, delete on all tables in schema public to ${r};
    revoke insert, update, delete, truncate on schema_migrations from ${r};
    revoke update, delete, truncate, references, trigger on audit_log from ${r};
    grant usage, select on all sequences in schema public to ${r};
    grant execute on function hearth_ensure_partition(text, timestamptz, timestamptz) to ${r};
  `);
}

/** Migrates as the owner, then grants the server's role; @returns the versions applied. */
export async function migrateAsOwner(owner: Sql, serverRole: string | undefined): Promise<number[]> {
  const applied = await migrate(owner);
  if (serverRole) await grantServerRole(owner, serverRole);
  // TimescaleDB's continuous aggregate is DDL: made here by the owner, never by the server.
  if ((await detectTimeseriesMode(owner)) === 'timescaledb') await ensureContinuousAggregate(owner);
  return applied;
}

/** The role name in a postgres:// URL (the user the server connects as). */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username) || 'postgres';
}

/**
 * Brings the schema up to date and leaves `db` connected as a role that owns nothing:
 * - embedded: migrates as PGlite's superuser, then switches the one PGlite session to
 *   EMBEDDED_SERVER_ROLE for good;
 * - with HEARTH_MIGRATION_DATABASE_URL: migrates over that owner connection and grants the role in
 *   DATABASE_URL;
 * - otherwise one role does both (the README explains why production should not).
 * @returns the versions applied.
 */
export async function prepareDatabase(db: Database, config: CloudConfig, log: Logger): Promise<number[]> {
  if (db.embedded) {
    // A session handed over again (tests restarting on one PGlite) may already be the server role.
    await db.sql`reset role`;
    const role = quoteRole(EMBEDDED_SERVER_ROLE);
    await db.sql.unsafe(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${EMBEDDED_SERVER_ROLE}') then create role ${role} nologin; end if;
    end $$`);
    const applied = await migrateAsOwner(db.sql, EMBEDDED_SERVER_ROLE);
    await db.sql.unsafe(`set role ${role}`);
    return applied;
  }
  if (config.migrationDatabaseUrl && config.databaseUrl) {
    const owner = await openDatabase({
      databaseUrl: config.migrationDatabaseUrl,
      dataDir: 'memory',
      poolSize: 1,
    });
    try {
      return await migrateAsOwner(owner.sql, roleOf(config.databaseUrl));
    } finally {
      await owner.close();
    }
  }
  log.warn(
    'HEARTH_MIGRATION_DATABASE_URL is not set: the server migrates with its own role, which then owns audit_log',
  );
  const applied = await migrate(db.sql);
  if ((await detectTimeseriesMode(db.sql)) === 'timescaledb') await ensureContinuousAggregate(db.sql);
  return applied;
}

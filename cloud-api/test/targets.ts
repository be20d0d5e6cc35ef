// Where the suites run: every suite that touches storage or the bus runs once per target, so the
// embedded defaults and the real servers are held to the same contract ("one suite, two targets").
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Bus } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/memory-bus.js';
import { RedisBus } from '../src/bus/redis-bus.js';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

function requireInCi(name: 'DATABASE_URL' | 'REDIS_URL'): string | undefined {
  const value = process.env[name];
  if (!value && inCi) {
    throw new Error(`CI=true but ${name} is not set: the real-server targets must run in CI, not skip`);
  }
  return value;
}

/** How the database may store sensor history: whatever the server offers, or native partitions only. */
export type TimeseriesChoice = 'auto' | 'native';

export interface DatabaseTarget {
  name: 'pglite' | 'postgres' | 'timescaledb';
  /**
   * `undefined` for PGlite; otherwise the URL of a fresh throwaway database. With `native`, the
   * database keeps native partitions even on a server that has TimescaleDB.
   */
  createDatabase(timeseries?: TimeseriesChoice): Promise<{ url: string | undefined; drop(): Promise<void> }>;
}

function throwawayDatabase(adminUrl: string, name: DatabaseTarget['name']): DatabaseTarget {
  return {
    name,
    async createDatabase(timeseries: TimeseriesChoice = 'auto') {
      const db = `hearth_test_${randomBytes(6).toString('hex')}`;
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${db}`);
      if (timeseries === 'native')
        await admin.unsafe(`alter database ${db} set hearth.timeseries = 'native'`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${db}`;
      return {
        url: url.toString(),
        async drop() {
          const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
          await a.unsafe(`drop database if exists ${db} with (force)`);
          await a.end();
        },
      };
    },
  };
}

/**
 * The PostgreSQL server at DATABASE_URL as a TimescaleDB target, when the extension is installed and
 * preloaded there; otherwise the reason it is not. No package brings TimescaleDB to CI machines, so
 * its suites are the one thing allowed to skip there.
 */
export async function timescaleTarget(): Promise<DatabaseTarget | { unavailable: string }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return { unavailable: 'DATABASE_URL is not set' };
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin<{ available: boolean; preload: string }[]>`
      select exists (select 1 from pg_available_extensions where name = 'timescaledb') as available,
        current_setting('shared_preload_libraries') as preload`;
    if (!row?.available) return { unavailable: 'the timescaledb extension is not installed on this server' };
    if (!row.preload.includes('timescaledb'))
      return { unavailable: 'timescaledb is installed but not in shared_preload_libraries' };
    return throwawayDatabase(adminUrl, 'timescaledb');
  } finally {
    await admin.end();
  }
}

/** PGlite always; real PostgreSQL when DATABASE_URL is set (required when CI=true). */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [
    { name: 'pglite', createDatabase: async () => ({ url: undefined, drop: async () => {} }) },
  ];
  const adminUrl = requireInCi('DATABASE_URL');
  if (adminUrl) targets.push(throwawayDatabase(adminUrl, 'postgres'));
  return targets;
}

export interface BusTarget {
  name: 'in-process' | 'redis';
  /** Redis URL, or undefined for the in-process bus. */
  url: string | undefined;
  /** A random channel prefix for this suite. */
  prefix: string;
  /** Opens a bus; several opened from one target share their channels (like two instances). */
  open(): Promise<Bus>;
}

/** The in-process bus always; Redis when REDIS_URL is set (required when CI=true). */
export function busTargets(): BusTarget[] {
  const prefix = `hearth-test-${randomBytes(6).toString('hex')}:`;
  let shared: InProcessBus | undefined;
  const targets: BusTarget[] = [
    {
      name: 'in-process',
      url: undefined,
      prefix,
      // In-process "instances" share one bus, as they would share one Redis.
      open: async () => {
        if (!shared || shared.isClosed) shared = new InProcessBus();
        return shared;
      },
    },
  ];
  const url = requireInCi('REDIS_URL');
  if (url) {
    targets.push({
      name: 'redis',
      url,
      prefix,
      open: async () => {
        const bus = new RedisBus({ url, prefix });
        await bus.connect();
        return bus;
      },
    });
  }
  return targets;
}

/**
 * Two cloud instances share a database and a bus: PGlite with the in-process bus (both instances in
 * one process), and PostgreSQL with Redis (production's shape).
 */
export function instancePairTargets(): { name: string; db: DatabaseTarget; bus: BusTarget }[] {
  return databaseTargets().flatMap((db) => {
    const bus = busTargets().find((b) =>
      db.name === 'pglite' ? b.name === 'in-process' : b.name === 'redis',
    );
    return bus ? [{ name: `${db.name} + ${bus.name}`, db, bus }] : [];
  });
}

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

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /** `undefined` for PGlite; otherwise the URL of a fresh throwaway database. */
  createDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }>;
}

/** PGlite always; real PostgreSQL when DATABASE_URL is set (required when CI=true). */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [
    { name: 'pglite', createDatabase: async () => ({ url: undefined, drop: async () => {} }) },
  ];
  const adminUrl = requireInCi('DATABASE_URL');
  if (adminUrl) {
    targets.push({
      name: 'postgres',
      async createDatabase() {
        const name = `hearth_test_${randomBytes(6).toString('hex')}`;
        const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
        await admin.unsafe(`create database ${name}`);
        await admin.end();
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        return {
          url: url.toString(),
          async drop() {
            const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
            await a.unsafe(`drop database if exists ${name} with (force)`);
            await a.end();
          },
        };
      },
    });
  }
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

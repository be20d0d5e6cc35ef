// Where the end-to-end suites run the cloud: always on the embedded defaults (PGlite,
// in-process bus), and also on the real PostgreSQL + Redis when DATABASE_URL / REDIS_URL are
// set. In CI (CI=true) both are required: a missing server fails the run instead of skipping.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface CloudTarget {
  name: 'embedded' | 'postgres+redis';
  /** Environment for `hearth-cloud` on this target, with a database of its own. */
  prepare(): Promise<{ env: Record<string, string | undefined>; cleanup(): Promise<void> }>;
}

const embedded: CloudTarget = {
  name: 'embedded',
  async prepare() {
    return { env: { DATABASE_URL: undefined, REDIS_URL: undefined }, cleanup: async () => {} };
  },
};

function realTarget(databaseUrl: string, redisUrl: string): CloudTarget {
  return {
    name: 'postgres+redis',
    async prepare() {
      const name = `hearth_e2e_${randomBytes(6).toString('hex')}`;
      const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      return {
        env: {
          DATABASE_URL: url.toString(),
          REDIS_URL: redisUrl,
          HEARTH_JWT_SECRET: randomBytes(32).toString('hex'),
        },
        async cleanup() {
          const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
          await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await sql.end();
        },
      };
    },
  };
}

export function cloudTargets(): CloudTarget[] {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (databaseUrl && redisUrl) return [embedded, realTarget(databaseUrl, redisUrl)];
  if (process.env.CI === 'true') {
    throw new Error(
      'CI=true but DATABASE_URL and REDIS_URL are not both set: the real-server suites cannot run',
    );
  }
  console.warn(
    '\n*** End-to-end suites run on the embedded target only: set DATABASE_URL and REDIS_URL to run them against real PostgreSQL and Redis too. ***\n',
  );
  return [embedded];
}

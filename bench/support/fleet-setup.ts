// The fleet bench's people and homes: seniors with paired hubs, staff assigned to them (so they may
// see their alerts), and an access token per staff member. Built through the cloud's own stores on
// a database the bench created; the instances must have migrated it first.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { StaffStore } from '../../cloud-api/src/auth/staff-store.js';
import { AccessTokens } from '../../cloud-api/src/auth/tokens.js';
import { openDatabase } from '../../cloud-api/src/db/database.js';
import { HubStore } from '../../cloud-api/src/hubs/hub-store.js';
import { SeniorStore } from '../../cloud-api/src/seniors/senior-store.js';

export interface FleetHome {
  seniorId: string;
  hubId: string;
  apiKey: string;
}

export interface FleetCarer {
  staffId: string;
  token: string;
  /** The seniors this carer is assigned to (and so sees the alerts and readings of). */
  seniorIds: string[];
}

export interface Fleet {
  homes: FleetHome[];
  carers: FleetCarer[];
}

/** A throwaway database on the server of `adminUrl`; `drop` removes it (closing its connections). */
export async function createBenchDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hearth_fleet_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** Runs `work` over `items`, `width` at a time. */
async function each<T>(
  items: T[],
  width: number,
  work: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

/**
 * `homes` seniors with a claimed hub each, `homes` carers each assigned to `perCarer` consecutive
 * seniors (so each senior has `perCarer` carers), and a signed access token per carer.
 */
export async function buildFleet(
  databaseUrl: string,
  jwtSecret: string,
  options: { homes: number; perCarer: number },
): Promise<Fleet> {
  const db = await openDatabase({ databaseUrl, dataDir: 'memory' });
  try {
    const { sql } = db;
    const staff = new StaffStore(sql);
    const seniors = new SeniorStore(sql);
    const hubs = new HubStore(sql, () => new Date());
    const admin = await staff.create({
      email: 'fleet-admin@bench.hearth',
      name: 'Fleet Admin',
      role: 'admin',
      password: randomBytes(12).toString('hex'),
    });
    // One password hash for every carer: hashing a thousand passwords would measure argon2, not the fleet.
    const carerRows = await sql<{ id: string }[]>`
      insert into staff (email, name, role, password_hash)
      select 'carer-' || i || '@bench.hearth', 'Carer ' || i, 'staff', s.password_hash
      from generate_series(1, ${options.homes}::int) i, staff s where s.id = ${admin.id}
      returning id`;
    const homes: FleetHome[] = new Array(options.homes);
    await each(homes, 16, async (_, i) => {
      const senior = await seniors.create({ name: `Senior ${i}`, timezone: 'UTC', healthInfo: {} });
      const { code } = await hubs.createPairingCode(senior.id, admin.id);
      const claimed = await hubs.claim(code, `fleet-hub-${i}`);
      if (!claimed) throw new Error(`pairing code for home ${i} was not accepted`);
      homes[i] = { seniorId: senior.id, hubId: claimed.hubId, apiKey: claimed.apiKey };
    });
    const tokens = new AccessTokens(jwtSecret);
    const carers: FleetCarer[] = await Promise.all(
      carerRows.map(async ({ id }, i) => ({
        staffId: id,
        token: await tokens.sign({ id, role: 'staff', sessionVersion: 0 }),
        seniorIds: Array.from(
          { length: Math.min(options.perCarer, options.homes) },
          (_, j) => homes[(i + j) % options.homes]!.seniorId,
        ),
      })),
    );
    const pairs = carers.flatMap((c) => c.seniorIds.map((seniorId) => ({ staffId: c.staffId, seniorId })));
    await each(pairs, 16, async ({ staffId, seniorId }) => {
      if (!(await seniors.assign(seniorId, staffId))) throw new Error('assignment refused');
    });
    return { homes, carers };
  } finally {
    await db.close();
  }
}

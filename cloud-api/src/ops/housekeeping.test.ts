import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { purgeExpired } from './housekeeping.js';

describe.each(databaseTargets())('purging spent credentials on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await target.createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  it('removes what expired over a week ago and keeps what still works or just expired', async () => {
    const sql = db.sql;
    const [staff] = await sql<{ id: string }[]>`insert into staff (email, name, role, password_hash)
      values ('h@test.hearth', 'H', 'staff', 'x') returning id`;
    const [senior] = await sql<{ id: string }[]>`insert into seniors (name) values ('S') returning id`;
    const family = randomUUID();
    await sql`insert into refresh_tokens (family_id, staff_id, token_hash, expires_at) values
      (${family}, ${staff!.id}, 'old', now() - interval '30 days'),
      (${family}, ${staff!.id}, 'recent', now() - interval '1 day'),
      (${family}, ${staff!.id}, 'live', now() + interval '30 days')`;
    await sql`insert into pairing_codes (code_hash, senior_id, expires_at) values
      ('c-old', ${senior!.id}, now() - interval '8 days'), ('c-live', ${senior!.id}, now() + interval '10 minutes')`;
    expect(await purgeExpired(sql)).toEqual({
      refreshTokens: 1,
      pairingCodes: 1,
      videoSessions: 0,
      revokedTokens: 0,
    });
    const left = await sql<
      { token_hash: string }[]
    >`select token_hash from refresh_tokens order by token_hash`;
    expect(left.map((r) => r.token_hash)).toEqual(['live', 'recent']);
    expect(await purgeExpired(sql)).toEqual({
      refreshTokens: 0,
      pairingCodes: 0,
      videoSessions: 0,
      revokedTokens: 0,
    });
  });
});

// The server runs as a database role that owns nothing: it may append to and read the audit log,
// never change, erase or silence it. Migrations run as the schema owner.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { type DatabaseTarget, databaseTargets } from './targets.js';

/** On PostgreSQL: an owner role, a server role and a database the owner owns (as the README sets up). */
async function separateRoles(target: DatabaseTarget) {
  if (target.name === 'pglite')
    return { env: {} as Record<string, string>, drop: async () => {}, databaseUrl: undefined };
  const adminUrl = process.env.DATABASE_URL!;
  const id = randomBytes(5).toString('hex');
  const [owner, server, db] = [`hearth_owner_${id}`, `hearth_server_${id}`, `hearth_roles_${id}`];
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role ${owner} login; create role ${server} login`);
  await admin.unsafe(`create database ${db} owner ${owner}`);
  await admin.end();
  const url = (user: string) => {
    const u = new URL(adminUrl);
    u.username = user;
    u.pathname = `/${db}`;
    return u.toString();
  };
  return {
    databaseUrl: url(server),
    env: { HEARTH_MIGRATION_DATABASE_URL: url(owner) } as Record<string, string>,
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${db} with (force)`);
      await a.unsafe(`drop role if exists ${server}; drop role if exists ${owner}`);
      await a.end();
    },
  };
}

describe.each(databaseTargets())('database roles on $name', (target) => {
  let cloud: TestCloud;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const roles = await separateRoles(target);
    const { cloud: started, teardown } = await cloudOn(
      { ...target, createDatabase: async () => ({ url: roles.databaseUrl, drop: roles.drop }) },
      { env: roles.env },
    );
    cloud = started;
    stop = teardown;
  });
  afterAll(() => stop());

  /** The SQLSTATE a statement fails with on the server's own connection, or 'ok'. */
  const attempt = (statement: string) =>
    cloud.sql.unsafe(statement).then(
      () => 'ok',
      (err: { code?: string }) => err.code,
    );

  it('serves normally: staff, seniors, pairing, uploads into monthly partitions, audit rows', async () => {
    const admin = await cloud.staff('admin');
    const senior = await cloud.senior(admin.token);
    const hub = await cloud.pairHub(admin.token, senior);
    const up = await cloud.upload(hub.apiKey, [reading(hub.hubId, 1, { ts: new Date().toISOString() })]);
    expect(up.body).toEqual({ ackedThroughSeq: 1 });
    const [who] = await cloud.sql<{ user: string; superuser: boolean }[]>`
      select current_user as user, r.rolsuper as superuser from pg_roles r where r.rolname = current_user`;
    expect(who!.superuser).toBe(false);
    expect(who!.user).toMatch(/^hearth_server/);
    const [row] = await cloud.sql`select 1 from audit_log where action = 'hub.claim' and outcome = 'ok'`;
    expect(row).toBeDefined();
  });

  it('cannot update, delete, truncate, or disable the triggers of the audit log', async () => {
    expect(await attempt(`insert into audit_log (actor_type, action) values ('system', 'test.append')`)).toBe(
      'ok',
    );
    expect(await attempt(`select count(*) from audit_log`)).toBe('ok');
    // 42501: insufficient_privilege.
    expect(await attempt(`update audit_log set action = 'rewritten'`)).toBe('42501');
    expect(await attempt(`delete from audit_log`)).toBe('42501');
    expect(await attempt(`truncate audit_log`)).toBe('42501');
    expect(await attempt(`alter table audit_log disable trigger all`)).toBe('42501');
    expect(await attempt(`alter table audit_log disable trigger audit_log_no_update`)).toBe('42501');
    expect(await attempt(`drop table audit_log`)).toBe('42501');
    expect(await attempt(`insert into schema_migrations (version, name) values (9999, 'fake')`)).toBe(
      '42501',
    );
    const [{ n }] =
      (await cloud.sql`select count(*)::int as n from audit_log where action = 'rewritten'`) as [
        { n: number },
      ];
    expect(n).toBe(0);
  });
});

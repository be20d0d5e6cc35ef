// Signing out takes effect at once: logout kills the access token it was sent with, "log out
// everywhere" and disabling an account kill every token of that person, on HTTP and /ws alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('staff sessions on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
  });
  afterAll(() => teardown());

  const login = async (email: string, password: string) => {
    const res = await cloud.api('POST', 'auth/login', { body: { email, password } });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string };
  };
  const me = (token: string) => cloud.api('GET', 'me', { token });
  /** The status the /ws upgrade answers with this token (101 when it is accepted). */
  const upgrade = (token: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${cloud.url.replace('http', 'ws')}/ws?token=${token}`);
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', () => {});
    });

  it('logout kills the access token it was sent with at once, and only that one', async () => {
    const carer = await cloud.staff('staff');
    const other = await login(carer.email, carer.password);
    const out = await cloud.api('POST', 'auth/logout', {
      token: carer.token,
      body: { refreshToken: carer.refreshToken },
    });
    expect(out.status).toBe(204);
    const after = await me(carer.token);
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/signed out/);
    expect(await upgrade(carer.token)).toBe(401);
    // The same person's other device is still signed in.
    expect((await me(other.accessToken)).status).toBe(200);
    expect(await upgrade(other.accessToken)).toBe(101);
  });

  it('log out everywhere ends every access and refresh token of that person at once', async () => {
    const carer = await cloud.staff('staff');
    const phone = await login(carer.email, carer.password);
    const out = await cloud.api('POST', 'auth/logout', { token: carer.token, body: { everywhere: true } });
    expect(out.status).toBe(204);
    expect((await me(carer.token)).status).toBe(401);
    expect((await me(phone.accessToken)).status).toBe(401);
    expect(await upgrade(phone.accessToken)).toBe(401);
    const refreshed = await cloud.api('POST', 'auth/refresh', { body: { refreshToken: phone.refreshToken } });
    expect(refreshed.status).toBe(401);
    // Logging in again works, and the new session is not caught by the old revocation.
    const again = await login(carer.email, carer.password);
    expect((await me(again.accessToken)).status).toBe(200);
    const [row] = await cloud.sql`select 1 from audit_log
      where actor_id = ${carer.id} and action = 'auth.logout_everywhere'`;
    expect(row).toBeDefined();
  });

  it('disabling a staff member refuses their tokens, refresh and login at once; enabling lets them back', async () => {
    const carer = await cloud.staff('staff');
    const socket = await cloud.ws(carer.token);
    const disable = await cloud.api('PATCH', `staff/${carer.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(disable.status).toBe(200);
    expect(disable.body).toMatchObject({ id: carer.id, disabled: true });
    expect((await me(carer.token)).body.error.message).toMatch(/disabled/);
    expect(await upgrade(carer.token)).toBe(401);
    // The dashboard they had open is closed by the revocation ring.
    expect(await socket.closed).toBe(4001);
    expect(
      (await cloud.api('POST', 'auth/refresh', { body: { refreshToken: carer.refreshToken } })).status,
    ).toBe(401);
    const refused = await cloud.api('POST', 'auth/login', {
      body: { email: carer.email, password: carer.password },
    });
    expect(refused.status).toBe(401);

    const self = await cloud.api('PATCH', `staff/${admin.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(self.status).toBe(409);
    const byStaff = await cloud.api('PATCH', `staff/${admin.id}`, {
      token: (await cloud.staff('staff')).token,
      body: { disabled: true },
    });
    expect(byStaff.status).toBe(403);

    const enable = await cloud.api('PATCH', `staff/${carer.id}`, {
      token: admin.token,
      body: { disabled: false },
    });
    expect(enable.body).toMatchObject({ disabled: false });
    const back = await login(carer.email, carer.password);
    expect((await me(back.accessToken)).status).toBe(200);
    const actions = await cloud.sql<{ action: string }[]>`select action from audit_log
      where target_id = ${carer.id} and action like 'staff.%' order by id`;
    expect(actions.map((a) => a.action)).toEqual(['staff.disable', 'staff.enable']);
  });

  it('a new role takes effect at once: the old sessions end, the next login carries it', async () => {
    const member = await cloud.staff('staff');
    const socket = await cloud.ws(member.token);
    const promote = await cloud.api('PATCH', `staff/${member.id}`, {
      token: admin.token,
      body: { role: 'technician' },
    });
    expect(promote.body).toMatchObject({ id: member.id, role: 'technician', disabled: false });
    expect(await socket.closed).toBe(4001);
    expect((await me(member.token)).status).toBe(401);
    const back = await login(member.email, member.password);
    expect((await me(back.accessToken)).body).toMatchObject({ role: 'technician' });
    const listed = await cloud.api('GET', 'staff', { token: admin.token });
    expect(listed.body.staff.find((s: { id: string }) => s.id === member.id)).toMatchObject({
      role: 'technician',
      disabled: false,
    });

    const bad = await cloud.api('PATCH', `staff/${member.id}`, {
      token: admin.token,
      body: { role: 'boss' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const empty = await cloud.api('PATCH', `staff/${member.id}`, { token: admin.token, body: {} });
    expect(empty.body.error.message).toContain('name disabled or role to change');
    const selfDemote = await cloud.api('PATCH', `staff/${admin.id}`, {
      token: admin.token,
      body: { role: 'staff' },
    });
    expect(selfDemote.status).toBe(409);
    const [audit] = await cloud.sql<{ details: { from: string; to: string } }[]>`
      select details from audit_log where target_id = ${member.id} and action = 'staff.role'`;
    expect(audit?.details).toEqual({ from: 'staff', to: 'technician' });
  });
});

// Someone who knows a carer's email cannot keep the carer out: failures lock only the address they
// come from, the per-account ceiling spares addresses the carer has logged in from, and an admin
// can lift every lock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_POLICY } from '../src/auth/login-throttle.js';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('login lockout on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: { token: string };

  beforeAll(async () => {
    // One trusted proxy: the address is taken from X-Forwarded-For, so a test can come from anywhere.
    ({ cloud, teardown } = await cloudOn(target, { env: { HEARTH_TRUSTED_PROXIES: '1' } }));
    admin = await cloud.staff('admin');
  });
  afterAll(() => teardown());

  const login = (email: string, password: string, from: string) =>
    cloud.api('POST', 'auth/login', { body: { email, password }, headers: { 'x-forwarded-for': from } });
  /** `lockAfter` wrong passwords from `from`, all answered 401. */
  const guess = async (email: string, from: string) => {
    for (let i = 0; i < LOGIN_POLICY.lockAfter; i++) {
      expect((await login(email, `guess-${i}`, from)).status).toBe(401);
    }
  };

  it('locks only the guessing address: the carer logs in from their own', async () => {
    const carer = await cloud.staff('staff');
    await guess(carer.email, '203.0.113.7');
    const locked = await login(carer.email, carer.password, '203.0.113.7');
    expect(locked.status).toBe(429);
    expect(locked.body.error.details.scope).toBe('account-and-address');
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await login(carer.email, carer.password, '198.51.100.20')).status).toBe(200);
  });

  it('past the per-account ceiling refuses unfamiliar addresses, never the carer’s usual one', async () => {
    const carer = await cloud.staff('staff');
    const home = '198.51.100.44';
    expect((await login(carer.email, carer.password, home)).status).toBe(200);
    const guessers = LOGIN_POLICY.unfamiliarCeiling / LOGIN_POLICY.lockAfter;
    await Promise.all(Array.from({ length: guessers }, (_, i) => guess(carer.email, `203.0.113.${100 + i}`)));
    const stranger = await login(carer.email, carer.password, '192.0.2.99');
    expect(stranger.status).toBe(429);
    expect(stranger.body.error.details.scope).toBe('account');
    expect(stranger.body.error.message).toMatch(/ask an admin to unlock/);
    expect((await login(carer.email, carer.password, home)).status).toBe(200);

    // An admin lifts every lock: the stranger address and a guessing address may try again.
    const unlocked = await cloud.api('POST', `staff/${carer.id}/unlock`, { token: admin.token });
    expect(unlocked.status).toBe(204);
    expect((await login(carer.email, carer.password, '192.0.2.99')).status).toBe(200);
    expect((await login(carer.email, carer.password, '203.0.113.100')).status).toBe(200);
    const [row] =
      await cloud.sql`select 1 from audit_log where action = 'staff.unlock' and target_id = ${carer.id}`;
    expect(row).toBeDefined();
  });

  it('slows each further failure from one address before locking it', async () => {
    const carer = await cloud.staff('staff');
    const timings: number[] = [];
    for (let i = 0; i < LOGIN_POLICY.slowAfter + 3; i++) {
      const started = performance.now();
      await login(carer.email, 'wrong-password', '203.0.113.200');
      timings.push(performance.now() - started);
    }
    // The last answer waited at least three delay steps; the first ones waited none.
    expect(timings.at(-1)!).toBeGreaterThanOrEqual(3 * LOGIN_POLICY.slowStepMs);
  });

  it('lets only admins unlock', async () => {
    const carer = await cloud.staff('staff');
    expect((await cloud.api('POST', `staff/${carer.id}/unlock`, { token: carer.token })).status).toBe(403);
    const unknown = await cloud.api('POST', 'staff/00000000-0000-4000-8000-000000000000/unlock', {
      token: admin.token,
    });
    expect(unknown.status).toBe(404);
  });
});

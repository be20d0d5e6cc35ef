import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('staff sign-in on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
  });
  afterAll(() => teardown());

  const login = (email: string, password: string) =>
    cloud.api('POST', 'auth/login', { body: { email, password } });

  it('logs in with email (any case) and password, and /me says who you are', async () => {
    const res = await login(admin.email.toUpperCase(), admin.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ expiresIn: 900, staff: { id: admin.id, role: 'admin' } });
    const me = await cloud.api('GET', 'me', { token: res.body.accessToken });
    expect(me.body).toEqual({ id: admin.id, email: admin.email, name: admin.name, role: 'admin' });
    const [hash] = await cloud.sql<
      { password_hash: string }[]
    >`select password_hash from staff where id = ${admin.id}`;
    expect(hash!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const wrong = await login(admin.email, 'not-the-password');
    const unknown = await login('nobody@test.hearth', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('rotates refresh tokens, and reuse of a spent one signs out the whole family', async () => {
    const first = await login(admin.email, admin.password);
    const r1 = first.body.refreshToken;
    const second = await cloud.api('POST', 'auth/refresh', { body: { refreshToken: r1 } });
    expect(second.status).toBe(200);
    const r2 = second.body.refreshToken;
    expect(r2).not.toBe(r1);
    expect((await cloud.api('GET', 'me', { token: second.body.accessToken })).status).toBe(200);

    // Someone replays the spent token: refused, and the legitimate successor dies with it.
    const replay = await cloud.api('POST', 'auth/refresh', { body: { refreshToken: r1 } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toMatch(/already used/);
    expect((await cloud.api('POST', 'auth/refresh', { body: { refreshToken: r2 } })).status).toBe(401);

    // Another login (another family) is unaffected.
    const other = await login(admin.email, admin.password);
    expect(
      (await cloud.api('POST', 'auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status,
    ).toBe(200);
  });

  it('logout revokes the refresh token', async () => {
    const session = await login(admin.email, admin.password);
    const out = await cloud.api('POST', 'auth/logout', {
      token: session.body.accessToken,
      body: { refreshToken: session.body.refreshToken },
    });
    expect(out.status).toBe(204);
    expect(
      (await cloud.api('POST', 'auth/refresh', { body: { refreshToken: session.body.refreshToken } })).status,
    ).toBe(401);
  });

  it('accepts only its own HS256 tokens for this issuer and audience, and says when one expired', async () => {
    const key = new TextEncoder().encode(cloud.config.jwtSecret);
    const make = (alg: string, claims: { iss?: string; aud?: string; exp?: number }) =>
      new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg })
        .setSubject(admin.id)
        .setIssuer(claims.iss ?? 'hearth-cloud')
        .setAudience(claims.aud ?? 'hearth-staff')
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? '5m')
        .sign(key);
    const me = (token: string) => cloud.api('GET', 'me', { token });
    expect((await me(await make('HS256', {}))).status).toBe(200);
    expect((await me(await make('HS512', {}))).body.error.code).toBe('UNAUTHENTICATED');
    expect((await me(await make('HS256', { aud: 'someone-else' }))).status).toBe(401);
    expect((await me(await make('HS256', { iss: 'evil' }))).status).toBe(401);
    const expired = await me(await make('HS256', { exp: Math.floor(Date.now() / 1000) - 60 }));
    expect(expired.body.error.code).toBe('TOKEN_EXPIRED');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: admin.id, role: 'admin' })).toString('base64url')}.`;
    expect((await me(unsigned)).status).toBe(401);
  });

  it('lets only admins manage staff, with precise validation', async () => {
    const staff = await cloud.staff('staff');
    const denied = await cloud.api('POST', 'staff', {
      token: staff.token,
      body: { email: 'x@test.hearth', name: 'X', role: 'admin', password: 'long-enough-pw' },
    });
    expect(denied.status).toBe(403);
    const bad = await cloud.api('POST', 'staff', {
      token: admin.token,
      body: { email: 'not-an-email', name: '', role: 'boss', password: 'short' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'email',
      'name',
      'password',
      'role',
    ]);
    const made = await cloud.api('POST', 'staff', {
      token: admin.token,
      body: { email: 'new.carer@test.hearth', name: 'New Carer', role: 'staff', password: 'long-enough-pw' },
    });
    expect(made.status).toBe(201);
    const dup = await cloud.api('POST', 'staff', {
      token: admin.token,
      body: { email: 'NEW.carer@test.hearth', name: 'Again', role: 'staff', password: 'long-enough-pw' },
    });
    expect(dup.body.error.code).toBe('CONFLICT');
    const [denial] =
      await cloud.sql`select outcome from audit_log where actor_id = ${staff.id} and outcome = 'denied'`;
    expect(denial).toBeDefined();
  });

  it('rate-limits guessing one account, even with the right password afterwards', async () => {
    const victim = await cloud.staff('staff');
    const answers: number[] = [];
    for (let i = 0; i < 11; i++) answers.push((await login(victim.email, `guess-${i}`)).status);
    expect(answers.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(answers[10]).toBe(429);
    const right = await login(victim.email, victim.password);
    expect(right.status).toBe(429);
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

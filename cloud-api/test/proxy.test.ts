import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCloud } from './harness.js';

describe('the caller’s address behind a reverse proxy', () => {
  let behindProxy: TestCloud;
  let direct: TestCloud;

  beforeAll(async () => {
    behindProxy = await TestCloud.start({ env: { HEARTH_TRUSTED_PROXIES: '1' } });
    direct = await TestCloud.start();
  });
  afterAll(async () => {
    await behindProxy.stop();
    await direct.stop();
  });

  const attempt = (cloud: TestCloud, n: number, forwardedFor: string) =>
    cloud.api('POST', 'auth/login', {
      body: { email: `nobody-${n}@test.hearth`, password: 'wrong' },
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('limits each client separately, by the address the proxy saw, whatever the client prepends', async () => {
    const answers: number[] = [];
    for (let n = 0; n < 51; n++)
      answers.push((await attempt(behindProxy, n, `10.9.9.${n}, 203.0.113.7`)).status);
    expect(answers.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(answers[50]).toBe(429);
    // Another household behind the same proxy is not locked out.
    expect((await attempt(behindProxy, 99, '198.51.100.4')).status).toBe(401);
    const [row] = await behindProxy.sql<{ ip: string }[]>`
      select ip from audit_log where action = 'auth.login' and details->>'email' = 'nobody-99@test.hearth'`;
    expect(row?.ip).toBe('198.51.100.4');
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    await attempt(direct, 1, '203.0.113.99');
    const [row] = await direct.sql<{ ip: string }[]>`
      select ip from audit_log where action = 'auth.login' and details->>'email' = 'nobody-1@test.hearth'`;
    expect(row?.ip).not.toBe('203.0.113.99');
    expect(row?.ip).toMatch(/127\.0\.0\.1/);
  });
});

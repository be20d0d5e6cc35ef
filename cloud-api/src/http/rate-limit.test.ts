import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { busTargets } from '../../test/targets.js';
import { ApiError } from './errors.js';
import { MemoryRateLimitStore, RateLimiter, type RateLimitStore, RedisRateLimitStore } from './rate-limit.js';

// The same budget rules whether counts live in this process or in Redis.
const stores = busTargets().map((t) => ({
  name: t.name === 'redis' ? 'redis' : 'memory',
  open: (): RateLimitStore =>
    t.url ? new RedisRateLimitStore(new Redis(t.url), `${t.prefix}rl:`) : new MemoryRateLimitStore(),
}));

describe.each(stores)('rate limits in $name', ({ open }) => {
  const opened: RateLimitStore[] = [];
  const store = () => {
    const s = open();
    opened.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });

  it('allows the budget, then refuses with Retry-After until the window ends', async () => {
    const limiter = new RateLimiter(store(), 'test-budget', 3, 400);
    for (let i = 0; i < 3; i++) await limiter.hit('10.0.0.1', 'attempts');
    const refused = await limiter.hit('10.0.0.1', 'attempts').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED', headers: { 'retry-after': '1' } });
    // Another key has its own budget.
    await limiter.hit('10.0.0.2', 'attempts');
    await new Promise((r) => setTimeout(r, 450));
    await limiter.hit('10.0.0.1', 'attempts');
  });

  it('shares one budget between instances using the same store, and forgets a key on reset', async () => {
    const shared = store();
    const a = new RateLimiter(shared, 'test-shared', 2, 60_000);
    const b = new RateLimiter(shared, 'test-shared', 2, 60_000);
    await a.hit('acct', 'logins');
    await b.hit('acct', 'logins');
    await expect(a.hit('acct', 'logins')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await b.reset('acct');
    await a.hit('acct', 'logins');
  });

  it('peeks without counting, and forgets every key under a prefix (an admin unlocking an account)', async () => {
    const shared = store();
    const limiter = new RateLimiter(shared, 'test-prefix', 5, 60_000);
    expect(await limiter.count('ada@x|10.0.0.1')).toBe(0);
    await limiter.add('ada@x|10.0.0.1');
    await limiter.add('ada@x|10.0.0.1');
    await limiter.add('ada@x|10.0.0.2');
    await limiter.add('bob@x|10.0.0.1');
    expect(await limiter.count('ada@x|10.0.0.1')).toBe(2);
    expect(await limiter.count('ada@x|10.0.0.1')).toBe(2);
    await limiter.resetPrefix('ada@x|');
    expect(await limiter.count('ada@x|10.0.0.1')).toBe(0);
    expect(await limiter.count('ada@x|10.0.0.2')).toBe(0);
    expect(await limiter.count('bob@x|10.0.0.1')).toBe(1);
  });
});

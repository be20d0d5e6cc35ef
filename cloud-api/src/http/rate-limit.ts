import type { Redis } from 'ioredis';
import { ApiError } from './errors.js';

/** Where attempt counts live: this process, or Redis so that every instance shares one budget. */
export interface RateLimitStore {
  /**
   * Counts one attempt for `key` in a fixed window of `windowMs` starting at its first attempt.
   * @returns the attempts in the current window (this one included) and the ms until it ends.
   * @throws when the store is unreachable (the request then fails; the limit is never skipped).
   */
  increment(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** The attempts counted for `key` in its current window (0 when none), without counting one. */
  peek(key: string): Promise<number>;
  /** Forgets `key` (e.g. after a successful login). */
  reset(key: string): Promise<void>;
  /** Forgets every key starting with `prefix` (an admin unlocking an account from every address). */
  resetPrefix(prefix: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Counts in this process's memory; with N instances an attacker gets N times the budget. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, windowMs: number) {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.endsAt <= now) {
      w = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    if (this.windows.size > 50_000) {
      for (const [k, v] of this.windows) if (v.endsAt <= now) this.windows.delete(k);
    }
    return { count: w.count, resetMs: w.endsAt - now };
  }

  async peek(key: string) {
    const w = this.windows.get(key);
    return w && w.endsAt > this.now() ? w.count : 0;
  }

  async reset(key: string) {
    this.windows.delete(key);
  }

  async resetPrefix(prefix: string) {
    for (const k of [...this.windows.keys()]) if (k.startsWith(prefix)) this.windows.delete(k);
  }

  async close() {}
}

/** Counts in Redis (a key per window, expiring with it), shared by every instance. */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, windowMs: number) {
    const k = this.prefix + key;
    // SET NX PX starts the window on the first attempt (works on any Redis, unlike PEXPIRE NX).
    const result = await this.redis.multi().set(k, 0, 'PX', windowMs, 'NX').incr(k).pttl(k).exec();
    if (!result) throw new Error('rate limit transaction was aborted');
    const [, incr, ttl] = result;
    if (incr?.[0] || ttl?.[0]) throw incr?.[0] ?? ttl?.[0];
    return { count: Number(incr?.[1]), resetMs: Math.max(0, Number(ttl?.[1])) };
  }

  async peek(key: string) {
    return Number((await this.redis.get(this.prefix + key)) ?? 0);
  }

  async reset(key: string) {
    await this.redis.del(this.prefix + key);
  }

  async resetPrefix(prefix: string) {
    // Glob characters in the prefix are escaped so it matches literally.
    const pattern = `${(this.prefix + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close() {
    await this.redis.quit().catch(() => {});
  }
}

/** A named limit: at most `limit` attempts per key in each window. */
export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Records one attempt for `key`.
   * @throws ApiError 429 RATE_LIMITED (with Retry-After) once the key is over the limit in this window.
   */
  async hit(key: string, what: string): Promise<void> {
    const { count, resetMs } = await this.store.increment(`${this.name}:${key}`, this.windowMs);
    if (count > this.limit) {
      const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `too many ${what}; try again in ${retryAfter} s`,
        { retryAfter },
        {
          'retry-after': String(retryAfter),
        },
      );
    }
  }

  /** Forgets `key`. */
  reset(key: string): Promise<void> {
    return this.store.reset(`${this.name}:${key}`);
  }

  /** Attempts counted for `key` in its current window, without counting one. */
  count(key: string): Promise<number> {
    return this.store.peek(`${this.name}:${key}`);
  }

  /** Counts one attempt for `key` without refusing it; @returns the count in this window. */
  async add(key: string): Promise<number> {
    return (await this.store.increment(`${this.name}:${key}`, this.windowMs)).count;
  }

  /** Forgets every key starting with `prefix`. */
  resetPrefix(prefix: string): Promise<void> {
    return this.store.resetPrefix(`${this.name}:${prefix}`);
  }

  /** The refusal `hit` throws, for callers that decide themselves when a key is over. */
  refusal(what: string, retryAfterSeconds: number, details: Record<string, unknown> = {}): ApiError {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    return new ApiError(
      429,
      'RATE_LIMITED',
      `too many ${what}; try again in ${retryAfter} s`,
      { retryAfter, ...details },
      { 'retry-after': String(retryAfter) },
    );
  }
}

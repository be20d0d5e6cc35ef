import { ApiError } from './errors.js';

/**
 * Counts attempts per key in a sliding window of fixed slots, in this process's memory. Limits are
 * per instance: with N instances an attacker gets at most N times the budget, which still makes
 * guessing a 15-minute pairing code or a password hopeless.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records one attempt for `key`.
   * @throws ApiError 429 RATE_LIMITED (with Retry-After) once `limit` attempts fall inside the window.
   */
  hit(key: string, what: string): void {
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
      this.hits.set(key, recent);
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
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 50_000) this.sweep(now);
  }

  /** Forgets `key` (e.g. after a successful login). */
  reset(key: string): void {
    this.hits.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((t) => now - t >= this.windowMs)) this.hits.delete(key);
    }
  }
}

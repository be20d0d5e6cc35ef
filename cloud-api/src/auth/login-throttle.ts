import type { Sql } from '../db/database.js';
import { RateLimiter, type RateLimitStore } from '../http/rate-limit.js';

/**
 * How password guessing is slowed and stopped. Failures count per account *and* address, so someone
 * who knows a carer's email can lock out only their own address, never the carer; a ceiling per
 * account stops a guesser spread over many addresses, but only for addresses the account has never
 * logged in from. An admin can unlock an account (`POST /staff/:id/unlock`).
 */
export interface LoginPolicy {
  windowMs: number;
  /** Failures of one account from one address after which each answer is delayed a step more. */
  slowAfter: number;
  slowStepMs: number;
  /** Failures of one account from one address after which that address is refused for the window. */
  lockAfter: number;
  /** Failures of one account from every address after which unfamiliar addresses are refused. */
  unfamiliarCeiling: number;
  /** Attempts from one address, whatever the account. */
  perAddress: number;
}

export const LOGIN_POLICY: LoginPolicy = {
  windowMs: 15 * 60_000,
  slowAfter: 3,
  slowStepMs: 200,
  lockAfter: 10,
  unfamiliarCeiling: 30,
  perAddress: 50,
};

const MAX_DELAY_MS = 3000;

/** Applies `LoginPolicy`; counts live in the rate-limit store (Redis when configured). */
export class LoginThrottle {
  private readonly pairs: RateLimiter;
  private readonly accounts: RateLimiter;
  private readonly addresses: RateLimiter;

  constructor(
    store: RateLimitStore,
    private readonly sql: Sql,
    private readonly policy: LoginPolicy = LOGIN_POLICY,
    private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {
    this.pairs = new RateLimiter(store, 'login-pair', policy.lockAfter, policy.windowMs);
    this.accounts = new RateLimiter(store, 'login-account', policy.unfamiliarCeiling, policy.windowMs);
    this.addresses = new RateLimiter(store, 'login-address', policy.perAddress, policy.windowMs);
  }

  /** Counts an attempt from `source`. @throws ApiError 429 past the per-address budget. */
  async attempt(source: string): Promise<void> {
    await this.addresses.hit(source, 'login attempts from this address');
  }

  /**
   * Whether `account` may try a password from `source` now.
   * @throws ApiError 429 RATE_LIMITED (with Retry-After and `details.scope`) when locked.
   */
  async admit(account: string, source: string, staffId: string | undefined): Promise<void> {
    const retry = this.policy.windowMs / 1000;
    if ((await this.pairs.count(pairKey(account, source))) >= this.policy.lockAfter) {
      throw this.pairs.refusal('failed logins for this account from this address', retry, {
        scope: 'account-and-address',
      });
    }
    if ((await this.accounts.count(account)) >= this.policy.unfamiliarCeiling) {
      if (!staffId || !(await this.familiar(staffId, source))) {
        throw this.accounts.refusal(
          'failed logins for this account from addresses it has not logged in from; log in from a familiar place or ask an admin to unlock it',
          retry,
          { scope: 'account' },
        );
      }
    }
  }

  /** Counts a failure, then delays the answer a step more for each failure past `slowAfter`. */
  async failed(account: string, source: string): Promise<void> {
    const n = await this.pairs.add(pairKey(account, source));
    await this.accounts.add(account);
    const over = n - this.policy.slowAfter;
    if (over > 0) await this.sleep(Math.min(over * this.policy.slowStepMs, MAX_DELAY_MS));
  }

  /** Forgets this address's failures for the account and remembers the address as familiar. */
  async succeeded(account: string, source: string, staffId: string): Promise<void> {
    await this.pairs.reset(pairKey(account, source));
    await this.sql`insert into staff_login_sources (staff_id, source) values (${staffId}, ${source})
      on conflict (staff_id, source) do update set last_login_at = now()`;
  }

  /** Lifts every lock on the account, from every address (an admin's unlock). */
  async unlock(account: string): Promise<void> {
    await this.pairs.resetPrefix(`${account}|`);
    await this.accounts.reset(account);
  }

  private async familiar(staffId: string, source: string): Promise<boolean> {
    const [row] = await this
      .sql`select 1 from staff_login_sources where staff_id = ${staffId} and source = ${source}`;
    return !!row;
  }
}

// Emails cannot contain '|', so an account's keys share the prefix `<account>|`.
const pairKey = (account: string, source: string) => `${account}|${source}`;

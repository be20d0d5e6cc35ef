import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/database.js';

/** What an action token lets its bearer do: acknowledge one alert as one staff member, once, until `exp`. */
export interface ActionClaim {
  alertId: string;
  staffId: string;
  /** Expiry, ms since epoch. */
  exp: number;
  /** Makes the token single use: spent nonces are kept. */
  nonce: string;
  /** The delivery that carried it, whose hops (delivered, seen) the token's uses record. */
  deliveryId?: string;
}

export type TokenCheck =
  | { ok: true; claim: ActionClaim }
  | { ok: false; code: 'INVALID' | 'EXPIRED'; message: string };

/**
 * Signed, short-lived acknowledge tokens carried by a push notification or an email link, so a carer
 * can acknowledge without logging in. `base64url(json).base64url(hmac-sha256)`, keyed by a key derived
 * from the JWT secret (every instance shares it). Single use is enforced by `spend()`.
 */
export class ActionTokens {
  private readonly key: Buffer;

  constructor(
    jwtSecret: string,
    private readonly ttlMs: number,
  ) {
    this.key = createHmac('sha256', jwtSecret).update('hearth notify action token v1').digest();
  }

  /** A token for `staffId` to acknowledge `alertId`, valid for the configured minutes from `now`. */
  issue(alertId: string, staffId: string, now: Date, deliveryId?: string): string {
    const claim: ActionClaim = {
      alertId,
      staffId,
      exp: now.getTime() + this.ttlMs,
      nonce: randomBytes(12).toString('base64url'),
      ...(deliveryId && { deliveryId }),
    };
    const body = Buffer.from(JSON.stringify(claim)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** Checks signature, shape and expiry (not whether it was spent). */
  check(token: string, now: Date): TokenCheck {
    const invalid = { ok: false, code: 'INVALID', message: 'this link is not valid' } as const;
    const [body, sig, extra] = token.split('.');
    if (!body || !sig || extra !== undefined || body.length > 2000) return invalid;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return invalid;
    let claim: ActionClaim;
    try {
      claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ActionClaim;
    } catch {
      return invalid;
    }
    if (
      typeof claim.exp !== 'number' ||
      typeof claim.alertId !== 'string' ||
      typeof claim.nonce !== 'string' ||
      (claim.deliveryId !== undefined && typeof claim.deliveryId !== 'string')
    ) {
      return invalid;
    }
    if (claim.exp <= now.getTime()) {
      return { ok: false, code: 'EXPIRED', message: 'this link has expired; open the dashboard instead' };
    }
    return { ok: true, claim };
  }

  /** Marks the token spent. @returns false when it already was (by any instance). */
  async spend(sql: Sql, claim: ActionClaim): Promise<boolean> {
    const rows = await sql`insert into notify_spent_tokens (nonce, alert_id, staff_id)
      values (${claim.nonce}, ${claim.alertId}, ${claim.staffId}) on conflict do nothing returning nonce`;
    return rows.length === 1;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

import type { Role } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import type { Bus } from '../realtime/bus.js';
import type { TokenClaims } from './tokens.js';

/**
 * Rung when a staff member's sessions end before their tokens expire (disabled, or logged out
 * everywhere): `{ staffId }`. Instances close that person's open dashboard sockets on hearing it.
 */
export const STAFF_REVOKED_CHANNEL = 'staff.revoked';

/** Calls `handler(staffId)` for every revocation rung on `bus`; resolves once listening. */
export async function onStaffRevoked(bus: Bus, handler: (staffId: string) => void): Promise<() => void> {
  return bus.subscribe(STAFF_REVOKED_CHANNEL, (message) => {
    const staffId = (message as { staffId?: unknown } | null)?.staffId;
    if (typeof staffId === 'string') handler(staffId);
  });
}

/**
 * Staff sessions in the database: revoked access tokens and each account's session version, read on
 * every request (one indexed lookup), so a revocation takes effect at once on every instance.
 */
export class StaffSessions {
  constructor(
    private readonly sql: Sql,
    private readonly bus?: Bus,
  ) {}

  /**
   * Whether a signed token still stands, and the account's current role.
   * @throws ApiError 401 UNAUTHENTICATED when the account is gone or disabled, or the token was revoked.
   */
  readonly check = async (claims: TokenClaims): Promise<StaffPrincipal> => {
    const [row] = await this.sql<
      { role: Role; disabled: boolean; session_version: number; revoked: boolean }[]
    >`select role, disabled_at is not null as disabled, session_version,
        exists (select 1 from revoked_access_tokens where token_id = ${claims.tokenId ?? null}::uuid) as revoked
      from staff where id = ${claims.staffId}`;
    if (!row || row.disabled) throw new ApiError(401, 'UNAUTHENTICATED', 'this account is disabled');
    if (row.revoked || row.session_version !== claims.sessionVersion) {
      throw new ApiError(401, 'UNAUTHENTICATED', 'this session was signed out; log in again');
    }
    return { id: claims.staffId, role: row.role };
  };

  /** The account's current session version, to put in the tokens it is issued. */
  async version(staffId: string): Promise<number> {
    const [row] = await this.sql<
      { v: number }[]
    >`select session_version as v from staff where id = ${staffId}`;
    return row?.v ?? 0;
  }

  /** Revokes one access token (logout) until it would have expired. */
  async revokeToken(claims: TokenClaims): Promise<void> {
    if (!claims.tokenId) return;
    await this.sql`insert into revoked_access_tokens (token_id, staff_id, expires_at)
      values (${claims.tokenId}, ${claims.staffId}, ${claims.expiresAt}) on conflict do nothing`;
  }

  /**
   * Ends every session of the account: its access tokens (by bumping its session version) and its
   * refresh tokens; optionally disables or re-enables it. Rings the bus so open sockets close.
   * @returns false when the account does not exist.
   */
  async revokeAll(staffId: string, disable?: boolean): Promise<boolean> {
    const rows = await this.sql`update staff set session_version = session_version + 1,
        disabled_at = case when ${disable === undefined} then disabled_at
          when ${disable === true} then coalesce(disabled_at, now()) else null end
      where id = ${staffId} returning id`;
    if (rows.length === 0) return false;
    await this
      .sql`update refresh_tokens set revoked_at = now() where staff_id = ${staffId} and revoked_at is null`;
    // The database already refuses the tokens; the ring only closes sockets opened before.
    await this.bus?.publish(STAFF_REVOKED_CHANNEL, { staffId }).catch(() => {});
    return true;
  }
}

import type { Sql } from '../db/database.js';

/** How long spent credentials are kept after they stop working, for investigations. */
export const KEEP_EXPIRED_DAYS = 7;

/**
 * Deletes refresh tokens, pairing codes and video sessions that stopped working more than
 * KEEP_EXPIRED_DAYS ago. The audit log keeps the record of their use. Idempotent.
 * @returns how many rows of each went.
 */
export async function purgeExpired(
  sql: Sql,
): Promise<{ refreshTokens: number; pairingCodes: number; videoSessions: number; revokedTokens: number }> {
  const keep = `${KEEP_EXPIRED_DAYS} days`;
  const tokens = await sql`delete from refresh_tokens where expires_at < now() - ${keep}::interval
    or revoked_at < now() - ${keep}::interval returning 1`;
  const codes = await sql`delete from pairing_codes where expires_at < now() - ${keep}::interval returning 1`;
  const sessions =
    await sql`delete from video_sessions where expires_at < now() - ${keep}::interval returning 1`;
  // A revoked access token needs remembering only until it would have expired anyway.
  const revoked = await sql`delete from revoked_access_tokens where expires_at < now() returning 1`;
  return {
    refreshTokens: tokens.length,
    pairingCodes: codes.length,
    videoSessions: sessions.length,
    revokedTokens: revoked.length,
  };
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Sql, transaction } from '../db/database.js';
import { ApiError } from '../http/errors.js';

/** Lifetime of a refresh token, seconds. */
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Rotating refresh tokens in families. Each refresh spends the presented token and issues its
 * successor in the same family; presenting a spent token again means it was stolen (or replayed),
 * so the whole family is revoked and both holders must log in again.
 */
export class RefreshTokens {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date,
  ) {}

  /** Starts a new family for a fresh login. */
  async issue(staffId: string): Promise<string> {
    return this.insert(staffId, randomUUID());
  }

  private async insert(staffId: string, familyId: string, sql: Sql = this.sql): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const expires = new Date(this.now().getTime() + REFRESH_TOKEN_SECONDS * 1000);
    await sql`insert into refresh_tokens (family_id, staff_id, token_hash, expires_at)
      values (${familyId}, ${staffId}, ${sha256(token)}, ${expires})`;
    return token;
  }

  /**
   * Spends `token` and returns its successor.
   * @throws ApiError 401 UNAUTHENTICATED when unknown, expired or revoked; on reuse of a spent token
   * the family is revoked first (committed even though the call fails).
   */
  async rotate(token: string): Promise<{ staffId: string; refreshToken: string }> {
    const outcome = await transaction(this.sql, async (tx) => {
      const [row] = await tx<
        {
          id: string;
          family_id: string;
          staff_id: string;
          expires_at: Date;
          used_at: Date | null;
          revoked_at: Date | null;
        }[]
      >`select id, family_id, staff_id, expires_at, used_at, revoked_at from refresh_tokens
        where token_hash = ${sha256(token)} for update`;
      if (!row || row.revoked_at) return { error: 'refresh token is not valid; log in again' } as const;
      if (row.used_at) {
        await tx`update refresh_tokens set revoked_at = now() where family_id = ${row.family_id} and revoked_at is null`;
        return {
          error: 'refresh token was already used; every session of this login is now signed out',
        } as const;
      }
      if (row.expires_at.getTime() <= this.now().getTime()) {
        return { error: 'refresh token expired; log in again' } as const;
      }
      await tx`update refresh_tokens set used_at = now() where id = ${row.id}`;
      const next = await this.insert(row.staff_id, row.family_id, tx as unknown as Sql);
      return { staffId: row.staff_id, refreshToken: next } as const;
    });
    if ('error' in outcome) throw new ApiError(401, 'UNAUTHENTICATED', outcome.error as string);
    return outcome as { staffId: string; refreshToken: string };
  }

  /** The staff member a refresh token was issued to, or undefined for an unknown token. */
  async ownerOf(token: string): Promise<string | undefined> {
    const [row] = await this.sql<{ staff_id: string }[]>`
      select staff_id from refresh_tokens where token_hash = ${sha256(token)}`;
    return row?.staff_id;
  }

  /** Revokes the family `token` belongs to (logout). Unknown tokens are ignored. */
  async revokeFamilyOf(token: string): Promise<void> {
    await this.sql`update refresh_tokens set revoked_at = now()
      where family_id = (select family_id from refresh_tokens where token_hash = ${sha256(token)})
        and revoked_at is null`;
  }
}

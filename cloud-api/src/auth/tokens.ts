import { randomUUID } from 'node:crypto';
import { Role } from '@hearth/shared';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { StaffPrincipal } from '../http/env.js';
import { ApiError } from '../http/errors.js';

const ALGORITHM = 'HS256';
const ISSUER = 'hearth-cloud';
const AUDIENCE = 'hearth-staff';

/** Lifetime of an access token, seconds. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;

/** What a verified token says, before its revocation is checked. */
export interface TokenClaims {
  staffId: string;
  role: Role;
  /** The token's own id (`jti`): logout revokes exactly this one. */
  tokenId: string | undefined;
  /** The account's session version when it was issued (`ver`): "log out everywhere" bumps it. */
  sessionVersion: number;
  expiresAt: Date;
}

/**
 * Decides whether a signed, unexpired token still stands (logout, log out everywhere, a disabled
 * account) and what the account's current role is.
 * @throws ApiError 401 UNAUTHENTICATED when it was revoked.
 */
export type RevocationCheck = (claims: TokenClaims) => Promise<StaffPrincipal>;

/**
 * Signs and checks staff access tokens: HS256 pinned, issuer and audience checked, short-lived,
 * and (with a revocation check) refused at once once revoked, on every request and socket upgrade.
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly revocation?: RevocationCheck,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A signed token for `staff`, valid ACCESS_TOKEN_SECONDS, tied to its session version. */
  async sign(staff: StaffPrincipal & { sessionVersion?: number }): Promise<string> {
    return new SignJWT({ role: staff.role, ver: staff.sessionVersion ?? 0 })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(staff.id)
      .setJti(randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(this.key);
  }

  /**
   * Checks signature, algorithm, issuer, audience and expiry, without asking whether it was revoked.
   * @throws ApiError 401 TOKEN_EXPIRED or UNAUTHENTICATED.
   */
  async claims(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const role = Role.safeParse(payload.role);
      if (!payload.sub || !role.success) throw new Error('token lacks subject or role');
      const uuid = /^[0-9a-f-]{36}$/i;
      if (!uuid.test(payload.sub) || (payload.jti !== undefined && !uuid.test(payload.jti))) {
        throw new Error('token ids are not uuids');
      }
      return {
        staffId: payload.sub,
        role: role.data,
        tokenId: payload.jti,
        sessionVersion: typeof payload.ver === 'number' ? payload.ver : 0,
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        throw new ApiError(401, 'TOKEN_EXPIRED', 'access token expired; refresh it');
      }
      throw new ApiError(401, 'UNAUTHENTICATED', 'access token is invalid');
    }
  }

  /**
   * Everything `claims` checks, and that the token was not revoked since (call it again on an open
   * socket to find out whether its token still stands). The role is the account's current one.
   * @throws ApiError 401 TOKEN_EXPIRED or UNAUTHENTICATED.
   */
  async verify(token: string): Promise<StaffPrincipal> {
    const claims = await this.claims(token);
    if (this.revocation) return this.revocation(claims);
    return { id: claims.staffId, role: claims.role };
  }
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

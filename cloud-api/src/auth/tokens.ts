import { Role } from '@hearth/shared';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { StaffPrincipal } from '../http/env.js';
import { ApiError } from '../http/errors.js';

const ALGORITHM = 'HS256';
const ISSUER = 'hearth-cloud';
const AUDIENCE = 'hearth-staff';

/** Lifetime of an access token, seconds. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;

/** Signs and checks staff access tokens: HS256 pinned, issuer and audience checked, short-lived. */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A signed token for `staff`, valid ACCESS_TOKEN_SECONDS. */
  async sign(staff: StaffPrincipal): Promise<string> {
    return new SignJWT({ role: staff.role })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(staff.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(this.key);
  }

  /**
   * Checks signature, algorithm, issuer, audience and expiry.
   * @throws ApiError 401 TOKEN_EXPIRED or UNAUTHENTICATED.
   */
  async verify(token: string): Promise<StaffPrincipal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const role = Role.safeParse(payload.role);
      if (!payload.sub || !role.success) throw new Error('token lacks subject or role');
      return { id: payload.sub, role: role.data };
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        throw new ApiError(401, 'TOKEN_EXPIRED', 'access token expired; refresh it');
      }
      throw new ApiError(401, 'UNAUTHENTICATED', 'access token is invalid');
    }
  }
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

import { LoginRequest, type Role } from '@hearth/shared';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { auditStaffSecurity } from '../audit/staff-audit.js';
import type { CloudDeps } from '../deps.js';
import { readJson, readOptionalJson } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { RateLimiter } from '../http/rate-limit.js';
import { clientAddress } from '../http/request-info.js';
import { LoginThrottle } from './login-throttle.js';
import { requireStaff } from './middleware.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { REFRESH_TOKEN_SECONDS, RefreshTokens } from './refresh-tokens.js';
import { StaffSessions } from './sessions.js';
import { staffRoutes } from './staff-routes.js';
import { publicStaff, StaffStore } from './staff-store.js';
import { ACCESS_TOKEN_SECONDS, bearerToken } from './tokens.js';

export { CreateStaffRequest } from './staff-routes.js';

/** Browsers keep the refresh token here: out of reach of the page's script, sent only to the refresh path. */
export const REFRESH_COOKIE = 'hearth_refresh';
export const REFRESH_COOKIE_PATH = '/api/v1/auth/refresh';
/** `cookie`: the refresh token goes into the HttpOnly cookie and not into the answer (the dashboard). */
const SessionMode = z.enum(['body', 'cookie']).default('body');
export const BrowserLoginRequest = LoginRequest.extend({ session: SessionMode });
export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(200) });
/** The JSON form for API clients; without a token, the cookie is used and rotated. */
export const RefreshOrCookieRequest = z.object({ refreshToken: z.string().min(1).max(200).optional() });
export const SignOutRequest = z.object({ everywhere: z.boolean().default(false) });
export const LogoutRequest = z.object({
  refreshToken: z.string().min(1).max(200).optional(),
  /** End every session of this account, on every device, at once. */
  everywhere: z.boolean().optional(),
});

/** Login, token refresh, logout, `GET /me`, and staff accounts (see `staff-routes.ts`). */
export function authRoutes(deps: CloudDeps) {
  const staffStore = new StaffStore(deps.sql);
  const refresh = new RefreshTokens(deps.sql, deps.now);
  const sessions = new StaffSessions(deps.sql, deps.bus);
  const throttle = new LoginThrottle(deps.rateLimits, deps.sql);
  const refreshLimit = new RateLimiter(deps.rateLimits, 'refresh-address', 50, 15 * 60_000);
  const limit = { maxBytes: 16 * 1024 };
  const app = new Hono<AppEnv>();

  async function tokensFor(staffId: string, role: Role, refreshToken: string) {
    const sessionVersion = await sessions.version(staffId);
    return {
      accessToken: await deps.tokens.sign({ id: staffId, role, sessionVersion }),
      refreshToken,
      expiresIn: ACCESS_TOKEN_SECONDS,
    };
  }

  /** Puts the refresh token into the cookie and leaves it out of the body, which page script can read. */
  function inCookie<T extends { refreshToken: string }>(c: Context<AppEnv>, answer: T) {
    setCookie(c, REFRESH_COOKIE, answer.refreshToken, {
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: REFRESH_COOKIE_PATH,
      maxAge: REFRESH_TOKEN_SECONDS,
    });
    const { refreshToken: _, ...rest } = answer;
    return rest;
  }
  const clearCookie = (c: Context<AppEnv>) =>
    deleteCookie(c, REFRESH_COOKIE, {
      path: REFRESH_COOKIE_PATH,
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
    });

  app.post('/auth/login', async (c) => {
    const ip = clientAddress(c);
    const source = ip ?? 'unknown';
    await throttle.attempt(source);
    const body = await readJson(c, BrowserLoginRequest, limit);
    const account = body.email.toLowerCase();
    const staff = await staffStore.findByEmail(body.email);
    await throttle.admit(account, source, staff?.id);
    const ok = await verifyPassword(staff?.passwordHash ?? (await decoyHash()), body.password);
    if (!staff || !ok || staff.disabled) {
      await deps.audit.recordSecurity({
        actorType: 'anonymous',
        action: 'auth.login',
        outcome: 'denied',
        ip,
        targetType: 'staff',
        targetId: staff?.id,
        details: { email: account },
      });
      await throttle.failed(account, source);
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'email or password is wrong');
    }
    // On record before any token exists: no unaudited login.
    await deps.audit.recordSecurity({ actorType: 'staff', actorId: staff.id, action: 'auth.login', ip });
    await throttle.succeeded(account, source, staff.id);
    const refreshToken = await refresh.issue(staff.id);
    const answer = { ...(await tokensFor(staff.id, staff.role, refreshToken)), staff: publicStaff(staff) };
    return c.json(body.session === 'cookie' ? inCookie(c, answer) : answer);
  });

  app.post('/auth/refresh', async (c) => {
    await refreshLimit.hit(clientAddress(c) ?? 'unknown', 'refresh attempts from this address');
    const body = await readOptionalJson(c, RefreshOrCookieRequest, limit);
    const presented = body.refreshToken ?? getCookie(c, REFRESH_COOKIE);
    if (!presented) throw new ApiError(401, 'UNAUTHENTICATED', 'send {refreshToken} or the session cookie');
    let rotated: Awaited<ReturnType<RefreshTokens['rotate']>>;
    try {
      rotated = await refresh.rotate(presented);
    } catch (err) {
      if (!body.refreshToken) clearCookie(c);
      throw err;
    }
    const staff = await staffStore.findById(rotated.staffId);
    if (!staff || staff.disabled) throw new ApiError(401, 'UNAUTHENTICATED', 'this account is disabled');
    const answer = {
      ...(await tokensFor(staff.id, staff.role, rotated.refreshToken)),
      staff: publicStaff(staff),
    };
    return c.json(body.refreshToken ? answer : inCookie(c, answer));
  });

  // The browser's sign-out: the cookie reaches only the refresh path, so that is where it is ended.
  // `everywhere` also ends every other session of this account, access tokens included.
  app.delete('/auth/refresh', async (c) => {
    const { everywhere } = await readOptionalJson(c, SignOutRequest, limit);
    const cookie = getCookie(c, REFRESH_COOKIE);
    clearCookie(c);
    const owner = cookie ? await refresh.ownerOf(cookie) : undefined;
    if (!cookie || !owner) return c.body(null, 204);
    await deps.audit.recordSecurity({
      actorType: 'staff',
      actorId: owner,
      action: everywhere ? 'auth.logout_everywhere' : 'auth.logout',
      ip: clientAddress(c),
    });
    if (everywhere) await sessions.revokeAll(owner);
    else await refresh.revokeFamilyOf(cookie);
    return c.body(null, 204);
  });

  // The access token dies with the logout, not 15 minutes later; `everywhere` ends every session.
  app.post('/auth/logout', requireStaff(deps), async (c) => {
    const body = await readOptionalJson(c, LogoutRequest, limit);
    await auditStaffSecurity(deps.audit, c, {
      action: body.everywhere ? 'auth.logout_everywhere' : 'auth.logout',
    });
    if (body.everywhere) {
      await sessions.revokeAll(c.var.staff.id);
    } else {
      const token = bearerToken(c.req.header('authorization'));
      if (token) await sessions.revokeToken(await deps.tokens.claims(token));
      if (body.refreshToken) await refresh.revokeFamilyOf(body.refreshToken);
    }
    return c.body(null, 204);
  });

  app.get('/me', requireStaff(deps), async (c) => {
    const staff = await staffStore.findById(c.var.staff.id);
    if (!staff) throw new ApiError(401, 'UNAUTHENTICATED', 'this account no longer exists');
    return c.json(publicStaff(staff));
  });

  app.route('/', staffRoutes(deps, { sessions, throttle }));
  return app;
}

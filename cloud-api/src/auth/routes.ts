import { createHash } from 'node:crypto';
import { LoginRequest, Role } from '@hearth/shared';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import type { CloudDeps } from '../deps.js';
import { readJson, readOptionalJson } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { RateLimiter } from '../http/rate-limit.js';
import { clientAddress } from '../http/request-info.js';
import { requireStaff } from './middleware.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { REFRESH_TOKEN_SECONDS, RefreshTokens } from './refresh-tokens.js';
import { publicStaff, StaffStore } from './staff-store.js';
import { ACCESS_TOKEN_SECONDS } from './tokens.js';

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
export const LogoutRequest = z.object({ refreshToken: z.string().min(1).max(200).optional() });
export const CreateStaffRequest = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: Role,
  password: z.string().min(10, 'must be at least 10 characters').max(1024),
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Login, token refresh, logout, `GET /me`, and staff accounts (`GET|POST /staff`, admin). */
export function authRoutes(deps: CloudDeps) {
  const staffStore = new StaffStore(deps.sql);
  const refresh = new RefreshTokens(deps.sql, deps.now);
  // Per account: 10 failures in 15 minutes; per address: 50 attempts in 15 minutes.
  const perAccount = new RateLimiter(deps.rateLimits, 'login-account', 10, 15 * 60_000);
  const perAddress = new RateLimiter(deps.rateLimits, 'login-address', 50, 15 * 60_000);
  const limit = { maxBytes: 16 * 1024 };
  const app = new Hono<AppEnv>();

  async function tokensFor(staffId: string, role: Role, refreshToken: string) {
    return {
      accessToken: await deps.tokens.sign({ id: staffId, role }),
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
    await perAddress.hit(ip ?? 'unknown', 'login attempts from this address');
    const body = await readJson(c, BrowserLoginRequest, limit);
    const accountKey = body.email.toLowerCase();
    await perAccount.hit(accountKey, 'login attempts for this account');
    const staff = await staffStore.findByEmail(body.email);
    const ok = await verifyPassword(staff?.passwordHash ?? (await decoyHash()), body.password);
    if (!staff || !ok || staff.disabled) {
      await deps.audit.record({
        actorType: 'anonymous',
        action: 'auth.login',
        outcome: 'denied',
        ip,
        targetType: 'staff',
        targetId: staff?.id,
        details: { email: accountKey },
      });
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'email or password is wrong');
    }
    await perAccount.reset(accountKey);
    await deps.audit.record({ actorType: 'staff', actorId: staff.id, action: 'auth.login', ip });
    const refreshToken = await refresh.issue(staff.id);
    const answer = { ...(await tokensFor(staff.id, staff.role, refreshToken)), staff: publicStaff(staff) };
    return c.json(body.session === 'cookie' ? inCookie(c, answer) : answer);
  });

  app.post('/auth/refresh', async (c) => {
    await perAddress.hit(clientAddress(c) ?? 'unknown', 'refresh attempts from this address');
    const body = await readOptionalJson(c, RefreshOrCookieRequest, limit);
    const cookie = getCookie(c, REFRESH_COOKIE);
    const presented = body.refreshToken ?? cookie;
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
  // `everywhere` also ends every other session of this account (its other devices).
  app.delete('/auth/refresh', async (c) => {
    const { everywhere } = await readOptionalJson(c, SignOutRequest, limit);
    const cookie = getCookie(c, REFRESH_COOKIE);
    clearCookie(c);
    if (!cookie) return c.body(null, 204);
    const [owner] = await deps.sql<{ staff_id: string }[]>`
      select staff_id from refresh_tokens where token_hash = ${sha256(cookie)}`;
    if (!owner) return c.body(null, 204);
    if (everywhere) {
      await deps.sql`update refresh_tokens set revoked_at = now()
        where staff_id = ${owner.staff_id} and revoked_at is null`;
    } else await refresh.revokeFamilyOf(cookie);
    await deps.audit.record({
      actorType: 'staff',
      actorId: owner.staff_id,
      action: everywhere ? 'auth.logout_everywhere' : 'auth.logout',
      ip: clientAddress(c),
    });
    return c.body(null, 204);
  });

  app.post('/auth/logout', requireStaff(deps), async (c) => {
    const body = await readJson(c, LogoutRequest, limit).catch(() => ({}) as { refreshToken?: string });
    if (body.refreshToken) await refresh.revokeFamilyOf(body.refreshToken);
    await auditStaff(deps.audit, c, {
      action: 'auth.logout',
    });
    return c.body(null, 204);
  });

  app.get('/me', requireStaff(deps), async (c) => {
    const staff = await staffStore.findById(c.var.staff.id);
    if (!staff) throw new ApiError(401, 'UNAUTHENTICATED', 'this account no longer exists');
    return c.json(publicStaff(staff));
  });

  app.get('/staff', requireStaff(deps, ['admin']), async (c) => c.json({ staff: await staffStore.list() }));

  app.post('/staff', requireStaff(deps, ['admin']), async (c) => {
    const body = await readJson(c, CreateStaffRequest, limit);
    const created = await staffStore.create(body);
    await auditStaff(deps.audit, c, {
      action: 'staff.create',
      targetType: 'staff',
      targetId: created.id,
    });
    return c.json(created, 201);
  });

  return app;
}

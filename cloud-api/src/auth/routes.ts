import { LoginRequest, Role, storableText } from '@hearth/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import type { CloudDeps } from '../deps.js';
import { readJson } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { RateLimiter } from '../http/rate-limit.js';
import { clientAddress } from '../http/request-info.js';
import { requireStaff } from './middleware.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { RefreshTokens } from './refresh-tokens.js';
import { publicStaff, StaffStore } from './staff-store.js';
import { ACCESS_TOKEN_SECONDS } from './tokens.js';

export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(200) });
export const LogoutRequest = z.object({ refreshToken: z.string().min(1).max(200).optional() });
export const CreateStaffRequest = z.object({
  email: z.email().max(254),
  name: storableText().trim().min(1).max(200),
  role: Role,
  password: storableText().min(10, 'must be at least 10 characters').max(1024),
});

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

  app.post('/auth/login', async (c) => {
    const ip = clientAddress(c);
    await perAddress.hit(ip ?? 'unknown', 'login attempts from this address');
    const body = await readJson(c, LoginRequest, limit);
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
    return c.json({ ...(await tokensFor(staff.id, staff.role, refreshToken)), staff: publicStaff(staff) });
  });

  app.post('/auth/refresh', async (c) => {
    await perAddress.hit(clientAddress(c) ?? 'unknown', 'refresh attempts from this address');
    const body = await readJson(c, RefreshRequest, limit);
    const rotated = await refresh.rotate(body.refreshToken);
    const staff = await staffStore.findById(rotated.staffId);
    if (!staff || staff.disabled) throw new ApiError(401, 'UNAUTHENTICATED', 'this account is disabled');
    return c.json({
      ...(await tokensFor(staff.id, staff.role, rotated.refreshToken)),
      staff: publicStaff(staff),
    });
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

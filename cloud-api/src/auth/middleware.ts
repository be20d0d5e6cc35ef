import type { Role } from '@hearth/shared';
import type { MiddlewareHandler } from 'hono';
import type { CloudDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { clientAddress } from '../http/request-info.js';
import { bearerToken } from './tokens.js';

/**
 * Who may see a senior's care information (history, alert details, video). Technicians see hubs,
 * devices and their health for pairing and diagnosis, and nothing of a senior's life (least privilege).
 */
export const CARE_ROLES: readonly Role[] = ['admin', 'staff'];

/**
 * Requires a valid staff access token; with `roles`, also one of those roles.
 * @throws ApiError 401 without a valid token, 403 FORBIDDEN (audited) for the wrong role.
 */
export function requireStaff(deps: CloudDeps, roles?: readonly Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new ApiError(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <access token>');
    const staff = await deps.tokens.verify(token);
    if (roles && !roles.includes(staff.role)) {
      await deps.audit.record({
        actorType: 'staff',
        actorId: staff.id,
        action: `${c.req.method} ${c.req.routePath}`,
        outcome: 'denied',
        ip: clientAddress(c),
        details: { path: c.req.path, role: staff.role },
      });
      throw new ApiError(403, 'FORBIDDEN', `this needs one of the roles: ${roles.join(', ')}`);
    }
    c.set('staff', staff);
    await next();
  };
}

import { Role, storableText } from '@hearth/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaffSecurity } from '../audit/staff-audit.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { IdParam } from '../seniors/schemas.js';
import type { LoginThrottle } from './login-throttle.js';
import { requireStaff } from './middleware.js';
import type { StaffSessions } from './sessions.js';
import { StaffStore } from './staff-store.js';

export const CreateStaffRequest = z.object({
  email: z.email().max(254),
  name: storableText().trim().min(1).max(200),
  role: Role,
  password: storableText().min(10, 'must be at least 10 characters').max(1024),
});

export const UpdateStaffRequest = z
  .object({
    /** True ends every session of the account at once and refuses its logins; false lets it in again. */
    disabled: z.boolean(),
    /** A new role; the person's open sessions end, so every dashboard and token carries the new one. */
    role: Role,
  })
  .partial()
  .strict()
  .refine((v) => v.disabled !== undefined || v.role !== undefined, 'name disabled or role to change');

/**
 * `GET|POST /staff`, `PATCH /staff/:id` (disable, re-enable, change role), `POST /staff/:id/unlock`
 * (lift login locks): admins.
 */
export function staffRoutes(deps: CloudDeps, auth: { sessions: StaffSessions; throttle: LoginThrottle }) {
  const staffStore = new StaffStore(deps.sql);
  const limit = { maxBytes: 16 * 1024 };
  const app = new Hono<AppEnv>();
  const admin = requireStaff(deps, ['admin']);

  app.get('/staff', admin, async (c) => c.json({ staff: await staffStore.list() }));

  app.post('/staff', admin, async (c) => {
    const body = await readJson(c, CreateStaffRequest, limit);
    const created = await staffStore.create(body);
    await auditStaffSecurity(deps.audit, c, {
      action: 'staff.create',
      targetType: 'staff',
      targetId: created.id,
    });
    return c.json(created, 201);
  });

  app.patch('/staff/:id', admin, async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const body = await readJson(c, UpdateStaffRequest, limit);
    if (id === c.var.staff.id && (body.disabled || (body.role && body.role !== 'admin'))) {
      throw new ApiError(
        409,
        'CONFLICT',
        'an admin cannot disable their own account or give up their own admin role; ask another admin',
      );
    }
    const before = await staffStore.findById(id);
    if (!before) throw notFound('staff member');
    const roleChanges = body.role !== undefined && body.role !== before.role;
    if (body.disabled !== undefined) {
      await auditStaffSecurity(deps.audit, c, {
        action: body.disabled ? 'staff.disable' : 'staff.enable',
        targetType: 'staff',
        targetId: id,
      });
    }
    if (roleChanges) {
      await auditStaffSecurity(deps.audit, c, {
        action: 'staff.role',
        targetType: 'staff',
        targetId: id,
        details: { from: before.role, to: body.role },
      });
      await staffStore.setRole(id, body.role!);
    }
    // Disabling, and a new role, end every session at once: open dashboards hold the old role's view.
    if (body.disabled !== undefined || roleChanges) {
      if (!(await auth.sessions.revokeAll(id, body.disabled))) throw notFound('staff member');
    }
    const staff = await staffStore.findById(id);
    if (!staff) throw notFound('staff member');
    return c.json({
      id: staff.id,
      email: staff.email,
      name: staff.name,
      role: staff.role,
      disabled: staff.disabled,
    });
  });

  app.post('/staff/:id/unlock', admin, async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const staff = await staffStore.findById(id);
    if (!staff) throw notFound('staff member');
    await auditStaffSecurity(deps.audit, c, { action: 'staff.unlock', targetType: 'staff', targetId: id });
    await auth.throttle.unlock(staff.email.toLowerCase());
    return c.body(null, 204);
  });

  return app;
}

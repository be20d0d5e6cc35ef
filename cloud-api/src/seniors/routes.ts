import { Hono } from 'hono';
import { auditStaff } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import {
  AssignStaffRequest,
  CreateSeniorRequest,
  IdParam,
  seniorForRole,
  UpdateSeniorRequest,
} from './schemas.js';
import { ringSenior } from './senior-ring.js';
import { SeniorStore } from './senior-store.js';

/** `GET|POST /seniors`, `GET|PATCH /seniors/:id`, `POST /seniors/:id/staff`. */
export function seniorRoutes(deps: CloudDeps) {
  const seniors = new SeniorStore(deps.sql);
  const limit = { maxBytes: 64 * 1024 };
  const app = new Hono<AppEnv>();
  app.use('/seniors', requireStaff(deps));
  app.use('/seniors/*', requireStaff(deps));

  app.get('/seniors', async (c) => {
    const list = (await seniors.listVisible(c.var.staff)).map((s) => seniorForRole(s, c.var.staff.role));
    await auditStaff(deps.audit, c, {
      action: 'senior.list',
      details: { count: list.length },
    });
    return c.json({ seniors: list });
  });

  app.post('/seniors', requireStaff(deps, ['admin']), async (c) => {
    const body = await readJson(c, CreateSeniorRequest, limit);
    const senior = await seniors.create(body);
    await auditStaff(deps.audit, c, {
      action: 'senior.create',
      targetType: 'senior',
      targetId: senior.id,
    });
    await ringSenior(deps.bus, { change: 'created', senior }, c.var.log);
    return c.json(senior, 201);
  });

  app.get('/seniors/:id', async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const senior = await seniors.getVisible(c.var.staff, id);
    await auditStaff(deps.audit, c, {
      action: 'senior.read',
      targetType: 'senior',
      targetId: id,
      outcome: senior ? 'ok' : 'denied',
    });
    if (!senior) throw notFound('senior');
    return c.json(seniorForRole(senior, c.var.staff.role));
  });

  app.patch('/seniors/:id', async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    if (!(await seniors.canSee(c.var.staff, id))) throw notFound('senior');
    if (c.var.staff.role !== 'admin')
      throw new ApiError(403, 'FORBIDDEN', 'only an admin may change a senior');
    const patch = await readJson(c, UpdateSeniorRequest, limit);
    const senior = await seniors.update(id, patch);
    if (!senior) throw notFound('senior');
    await auditStaff(deps.audit, c, {
      action: 'senior.update',
      targetType: 'senior',
      targetId: id,
      details: { fields: Object.keys(patch) },
    });
    await ringSenior(deps.bus, { change: 'updated', senior }, c.var.log);
    return c.json(senior);
  });

  app.post('/seniors/:id/staff', async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    if (!(await seniors.canSee(c.var.staff, id))) throw notFound('senior');
    if (c.var.staff.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'only an admin may assign staff');
    const body = await readJson(c, AssignStaffRequest, limit);
    if (!(await seniors.assign(id, body.staffId, body.position))) throw notFound('staff member');
    await auditStaff(deps.audit, c, {
      action: 'senior.assign',
      targetType: 'senior',
      targetId: id,
      details: { staffId: body.staffId },
    });
    const senior = await seniors.getVisible(c.var.staff, id);
    if (senior) await ringSenior(deps.bus, { change: 'assigned', senior, staffId: body.staffId }, c.var.log);
    return c.json({ seniorId: id, staff: await seniors.assignedStaff(id) });
  });

  return app;
}

import { RequestSafetyCheckBody } from '@hearth/shared';
import { Hono } from 'hono';
import { auditStaff } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import { ring } from '../bus/channel.js';
import type { CloudDeps } from '../deps.js';
import { readOptionalJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { HubPresence } from '../hubs/hub-presence.js';
import { IdParam } from '../seniors/schemas.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { SAFETY_CHECKS } from './safety-check-ring.js';
import { SafetyCheckStore } from './safety-check-store.js';

/**
 * `POST /seniors/:id/safety-checks` (409 `HUB_OFFLINE` at once when no instance holds the senior's
 * hub) and `GET /safety-checks/:id` (the check with every hop so far).
 */
export function safetyCheckRoutes(deps: CloudDeps) {
  const seniors = new SeniorStore(deps.sql);
  const checks = new SafetyCheckStore(deps.sql, deps.now);
  const presence = new HubPresence(deps.sql);
  const app = new Hono<AppEnv>();

  app.post('/seniors/:id/safety-checks', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const visible = await seniors.canSee(c.var.staff, id);
    await auditStaff(deps.audit, c, {
      action: 'safety_check.request',
      targetType: 'senior',
      targetId: id,
      outcome: visible ? 'ok' : 'denied',
    });
    if (!visible) throw notFound('senior');
    const body = await readOptionalJson(c, RequestSafetyCheckBody, { maxBytes: 16 * 1024 });
    // Waiting out the delivery deadline for a hub that no instance holds would only delay the person.
    if (!(await presence.seniorReachable(id)))
      throw new ApiError(
        409,
        'HUB_OFFLINE',
        "the senior's hub is not connected to the cloud, so the robot cannot be asked; send a person",
      );
    const check = await checks.request(
      { seniorId: id, requestedBy: c.var.staff.id, reason: body.reason ?? null, room: body.room ?? null },
      deps.config.safetyChecks.deliverSeconds,
    );
    await ring(deps.bus, SAFETY_CHECKS, { check, room: body.room ?? null }).catch((err) =>
      c.var.log.warn({ err }, 'safety check stored but the bus ring failed'),
    );
    return c.json({ id: check.id, status: check.status }, 202);
  });

  app.get('/safety-checks/:id', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const check = await checks.get(id);
    if (!check || !(await seniors.canSee(c.var.staff, check.seniorId))) throw notFound('safety check');
    return c.json(check);
  });

  return app;
}

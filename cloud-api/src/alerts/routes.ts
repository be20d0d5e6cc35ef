import { AlertStatus, storableText, Timestamp } from '@hearth/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import { CARE_ROLES, requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readOptionalJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { notFound } from '../http/errors.js';
import { clientAddress } from '../http/request-info.js';
import { IdParam } from '../seniors/schemas.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { acknowledgeAlert } from './acknowledge.js';
import { AlertStore, ringAlert } from './alert-store.js';
import { AlertOutcome, AlertOutcomeStore } from './outcome-store.js';

export const AlertListQuery = z.object({
  status: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(AlertStatus))
    .optional(),
  since: Timestamp.optional(),
  cursor: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});
export const ResolveRequest = z.object({
  note: storableText().trim().max(2000).optional(),
  /** What the person found; gives each rule its actionable rate. Optional for older clients. */
  outcome: AlertOutcome.optional(),
});
export const OutcomeRatesQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) });

/**
 * `GET /alerts`, `GET /seniors/:id/alerts`, `GET /alerts/:id(/history)`, `POST /alerts/:id/ack`,
 * `POST /alerts/:id/resolve {note?, outcome?}`, and `GET /alert-outcomes` (admin: actionable rate per kind).
 */
export function alertRoutes(deps: CloudDeps) {
  const alerts = new AlertStore(deps.sql);
  const outcomes = new AlertOutcomeStore(deps.sql);
  const seniors = new SeniorStore(deps.sql);
  const app = new Hono<AppEnv>();
  app.use('/alerts', requireStaff(deps, CARE_ROLES));
  app.use('/alerts/*', requireStaff(deps, CARE_ROLES));

  app.get('/alerts', async (c) => {
    const q = validate(AlertListQuery, c.req.query(), 'query');
    const list = await alerts.listVisible(c.var.staff, {
      ...(q.status && { status: q.status }),
      ...(q.since && { since: new Date(q.since) }),
      ...(q.cursor !== undefined && { sinceCursor: q.cursor }),
      ...(q.limit && { limit: q.limit }),
    });
    await auditStaff(deps.audit, c, {
      action: 'alerts.list',
      details: { count: list.length },
    });
    return c.json({ alerts: list });
  });

  app.get('/seniors/:id/alerts', requireStaff(deps, CARE_ROLES), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const q = validate(AlertListQuery, c.req.query(), 'query');
    const visible = await seniors.canSee(c.var.staff, id);
    await auditStaff(deps.audit, c, {
      action: 'senior.alerts.read',
      targetType: 'senior',
      targetId: id,
      outcome: visible ? 'ok' : 'denied',
    });
    if (!visible) throw notFound('senior');
    const list = await alerts.listVisible(c.var.staff, {
      seniorId: id,
      ...(q.status && { status: q.status }),
      ...(q.since && { since: new Date(q.since) }),
      ...(q.limit && { limit: q.limit }),
    });
    return c.json({ alerts: list });
  });

  app.get('/alerts/:id', async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const alert = await alerts.getVisible(c.var.staff, id);
    await auditStaff(deps.audit, c, {
      action: 'alert.read',
      targetType: 'alert',
      targetId: id,
      outcome: alert ? 'ok' : 'denied',
    });
    if (!alert) throw notFound('alert');
    return c.json(alert);
  });

  app.get('/alerts/:id/history', async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    if (!(await alerts.getVisible(c.var.staff, id))) throw notFound('alert');
    return c.json({ history: await outcomes.history(id) });
  });

  app.get('/alert-outcomes', requireStaff(deps, ['admin']), async (c) => {
    const { days } = validate(OutcomeRatesQuery, c.req.query(), 'query');
    return c.json({ days, rates: await outcomes.rates(new Date(deps.now().getTime() - days * 86_400_000)) });
  });

  for (const action of ['ack', 'resolve'] as const) {
    app.post(`/alerts/:id/${action}`, async (c) => {
      const { id } = validate(IdParam, c.req.param(), 'path');
      const who = c.var.staff;
      if (!(await alerts.getVisible(who, id))) throw notFound('alert');
      const body: z.infer<typeof ResolveRequest> =
        action === 'resolve' ? await readOptionalJson(c, ResolveRequest, { maxBytes: 16 * 1024 }) : {};
      if (action === 'ack') {
        const acked = await acknowledgeAlert(
          deps,
          { alertId: id, staffId: who.id, ip: clientAddress(c), via: 'dashboard' },
          c.var.log,
        );
        if (!acked) throw notFound('alert');
        return c.json(acked.alert);
      }
      const result = await alerts.resolve(id, who.id, body.note ?? null);
      if (!result) throw notFound('alert');
      if (result.changed) {
        if (body.outcome) await outcomes.record(id, body.outcome, who.id);
        await deps.audit.record({
          actorType: 'staff',
          actorId: who.id,
          action: `alert.${action}`,
          targetType: 'alert',
          targetId: id,
          ip: clientAddress(c),
          ...(body.outcome && { details: { outcome: body.outcome } }),
        });
        await ringAlert(deps.bus, { alert: result.alert }, c.var.log);
      }
      return c.json(result.alert);
    });
  }

  return app;
}

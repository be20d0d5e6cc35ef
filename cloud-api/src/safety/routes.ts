import { storableText } from '@hearth/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readOptionalJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { notFound } from '../http/errors.js';
import { IdParam } from '../seniors/schemas.js';
import { SeniorStore } from '../seniors/senior-store.js';

export const SafetyCheckRequest = z.object({
  room: storableText().trim().min(1).max(64).optional(),
  reason: storableText().trim().max(500).optional(),
});

/** Bus channel on which a requested safety check is rung for the instance holding the hub's socket. */
export const SAFETY_CHECKS_CHANNEL = 'safety-checks';

interface SafetyCheckRow {
  id: string;
  senior_id: string;
  requested_by: string | null;
  status: string;
  outcome: string | null;
  detail: string | null;
  created_at: Date;
  updated_at: Date;
}

const toCheck = (r: SafetyCheckRow) => ({
  id: r.id,
  seniorId: r.senior_id,
  requestedBy: r.requested_by,
  status: r.status,
  outcome: r.outcome,
  detail: r.detail,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** `POST /seniors/:id/safety-checks` and `GET /safety-checks/:id`. */
export function safetyCheckRoutes(deps: CloudDeps) {
  const seniors = new SeniorStore(deps.sql);
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
    const body = await readOptionalJson(c, SafetyCheckRequest, { maxBytes: 16 * 1024 });
    const [row] = await deps.sql<SafetyCheckRow[]>`
      insert into safety_checks (senior_id, requested_by, detail)
      values (${id}, ${c.var.staff.id}, ${body.reason ?? null}) returning *`;
    const check = toCheck(row!);
    await deps.bus
      .publish(SAFETY_CHECKS_CHANNEL, { check, room: body.room ?? null })
      .catch((err) => c.var.log.warn({ err }, 'safety check stored but the bus ring failed'));
    return c.json({ id: check.id, status: check.status }, 202);
  });

  app.get('/safety-checks/:id', requireStaff(deps), async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const [row] = await deps.sql<SafetyCheckRow[]>`select * from safety_checks where id = ${id}`;
    if (!row || !(await seniors.canSee(c.var.staff, row.senior_id))) throw notFound('safety check');
    return c.json(toCheck(row));
  });

  return app;
}

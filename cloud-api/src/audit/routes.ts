import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { auditStaff } from './staff-audit.js';

export const AuditQuery = z.object({
  /** The actor's id (a staff member's or a hub's). */
  actor: z.string().trim().min(1).max(100).optional(),
  /** An action, or a prefix of one ending in `.` (e.g. `alert.`). */
  action: z.string().trim().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** Entries older than this id (paging backwards). */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One line of the audit log as admins read it. */
export interface AuditRecord {
  id: number;
  at: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  details: Record<string, unknown>;
}

/** `GET /audit?actor&action&from&to&before&limit` (admin): the audit log, newest first. Reading it is audited too. */
export function auditRoutes(deps: CloudDeps) {
  const app = new Hono<AppEnv>();
  app.get('/audit', requireStaff(deps, ['admin']), async (c) => {
    const q = validate(AuditQuery, c.req.query(), 'query');
    if (q.from && q.to && q.from >= q.to)
      throw new ApiError(400, 'VALIDATION_FAILED', 'from must be before to', {
        issues: [{ path: 'from', message: 'must be before to' }],
      });
    const sql = deps.sql;
    const action = q.action?.endsWith('.')
      ? sql`and l.action like ${`${q.action.replace(/[\\%_]/g, '\\$&')}%`}`
      : q.action
        ? sql`and l.action = ${q.action}`
        : sql``;
    const rows = await sql<
      {
        id: string;
        at: Date;
        actor_type: string;
        actor_id: string | null;
        actor_name: string | null;
        action: string;
        target_type: string | null;
        target_id: string | null;
        outcome: string;
        ip: string | null;
        details: Record<string, unknown>;
      }[]
    >`select l.*, s.name as actor_name from audit_log l
      left join staff s on l.actor_type = 'staff' and s.id::text = l.actor_id
      where true
        ${q.actor ? sql`and l.actor_id = ${q.actor}` : sql``}
        ${action}
        ${q.from ? sql`and l.at >= ${new Date(q.from)}` : sql``}
        ${q.to ? sql`and l.at < ${new Date(q.to)}` : sql``}
        ${q.before ? sql`and l.id < ${q.before}` : sql``}
      order by l.id desc limit ${q.limit}`;
    await auditStaff(deps.audit, c, { action: 'audit.read', details: { count: rows.length } });
    const entries: AuditRecord[] = rows.map((r) => ({
      id: Number(r.id),
      at: r.at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      outcome: r.outcome,
      ip: r.ip,
      details: r.details,
    }));
    return c.json({ entries });
  });
  return app;
}

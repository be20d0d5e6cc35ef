import { storableText, Timestamp } from '@hearth/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditStaff } from '../audit/staff-audit.js';
import { CARE_ROLES, requireStaff } from '../auth/middleware.js';
import { readActivity } from '../db/timeseries.js';
import type { CloudDeps } from '../deps.js';
import { validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { IdParam } from './schemas.js';
import { SeniorStore } from './senior-store.js';

const DAY = 24 * 3600_000;

export const EventsQuery = z.object({
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  sensor: storableText().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

const BUCKETS = { '1h': 1, '2h': 2, '3h': 3, '6h': 6, '12h': 12, '1d': 24 } as const;
export const ActivityQuery = z.object({
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS, ...(keyof typeof BUCKETS)[]]).default('1h'),
  sensor: storableText().min(1).max(64).optional(),
});

/** A sensor event as staff read it back. */
export interface StoredEvent {
  hubId: string;
  seq: number;
  ts: string;
  receivedAt: string;
  sensorId: string;
  kind: string;
  value: unknown;
  room: string | null;
}

const fromAfterTo = () =>
  new ApiError(400, 'VALIDATION_FAILED', 'from must be before to', {
    issues: [{ path: 'from', message: 'must be before to' }],
  });

function range(q: { from?: string | undefined; to?: string | undefined }, maxDays: number) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY);
  if (from >= to) throw fromAfterTo();
  if (to.getTime() - from.getTime() > maxDays * DAY) {
    throw new ApiError(400, 'VALIDATION_FAILED', `the range may span at most ${maxDays} days`, {
      issues: [{ path: 'from', message: `at most ${maxDays} days before to` }],
    });
  }
  return { from, to };
}

/** `GET /seniors/:id/events` and `GET /seniors/:id/activity`: a senior's history, audited. */
export function historyRoutes(deps: CloudDeps) {
  const seniors = new SeniorStore(deps.sql);
  const app = new Hono<AppEnv>();

  async function authorise(c: Context<AppEnv>, action: string) {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const visible = await seniors.canSee(c.var.staff, id);
    await auditStaff(deps.audit, c, {
      action,
      targetType: 'senior',
      targetId: id,
      outcome: visible ? 'ok' : 'denied',
    });
    if (!visible) throw notFound('senior');
    return id;
  }

  app.get('/seniors/:id/events', requireStaff(deps, CARE_ROLES), async (c) => {
    const id = await authorise(c, 'senior.events.read');
    const q = validate(EventsQuery, c.req.query(), 'query');
    if (q.from && q.to && q.from >= q.to) throw fromAfterTo();
    const from = q.from ? new Date(q.from) : undefined;
    const to = q.to ? new Date(q.to) : undefined;
    const sql = deps.sql;
    // Bounded by `limit`, not by a span: with `from`, the earliest events from it; otherwise the
    // latest ones (before `to` if given). A hub whose clock ran ahead is still found this way.
    const rows = await sql<
      {
        hub_id: string;
        seq: number;
        ts: Date;
        received_at: Date;
        sensor_id: string;
        kind: string;
        value: unknown;
        room: string | null;
      }[]
    >`select * from (
        select hub_id, seq, ts, received_at, sensor_id, kind, value, room from sensor_events
        where senior_id = ${id}
          ${from ? sql`and ts >= ${from}` : sql``}
          ${to ? sql`and ts < ${to}` : sql``}
          ${q.sensor ? sql`and sensor_id = ${q.sensor}` : sql``}
        order by ${from ? sql`ts asc, hub_id, seq` : sql`ts desc, hub_id, seq desc`} limit ${q.limit}
      ) picked order by ts, hub_id, seq`;
    const events: StoredEvent[] = rows.map((r) => ({
      hubId: r.hub_id,
      seq: r.seq,
      ts: r.ts.toISOString(),
      receivedAt: r.received_at.toISOString(),
      sensorId: r.sensor_id,
      kind: r.kind,
      value: r.value,
      room: r.room,
    }));
    return c.json({ events, truncated: events.length === q.limit });
  });

  app.get('/seniors/:id/activity', requireStaff(deps, CARE_ROLES), async (c) => {
    const id = await authorise(c, 'senior.activity.read');
    const q = validate(ActivityQuery, c.req.query(), 'query');
    const { from, to } = range(q, 93);
    const buckets = await readActivity(deps.sql, deps.timeseries, {
      seniorId: id,
      from,
      to,
      bucketHours: BUCKETS[q.bucket],
      sensorId: q.sensor,
      now: deps.now(),
    });
    return c.json({ bucket: q.bucket, from: from.toISOString(), to: to.toISOString(), buckets });
  });

  return app;
}

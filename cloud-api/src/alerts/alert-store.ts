import type { Alert, AlertStatus, RaisedAlert } from '@hearth/shared';
import { type Sql, transaction } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';

export interface AlertRow {
  id: string;
  senior_id: string;
  hub_id: string | null;
  kind: string;
  severity: Alert['severity'];
  source: Alert['source'];
  status: AlertStatus;
  message: string;
  evidence: Record<string, unknown>[];
  occurred_at: Date;
  last_occurred_at: Date;
  occurrences: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
  escalation_level: number;
  next_escalation_at: Date | null;
  cursor: number;
}

/** The wire shape of an alert row. */
export function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    seniorId: r.senior_id,
    hubId: r.hub_id,
    kind: r.kind,
    severity: r.severity,
    source: r.source,
    status: r.status,
    message: r.message,
    evidence: r.evidence,
    occurredAt: r.occurred_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolvedBy: r.resolved_by,
    resolutionNote: r.resolution_note,
    cursor: r.cursor,
  };
}

/**
 * Key of the transaction-scoped advisory lock held from taking an alert cursor until commit. Cursors
 * are a sequence, and a sequence hands out numbers in the order transactions ask, not the order they
 * commit: without the lock a change could become visible after a later-numbered one, and a dashboard
 * resuming in between would skip it for good. Alert writes are rare, so serialising them is cheap.
 */
const ALERT_CURSOR_LOCK_KEY = 7_243_011_003;

/**
 * Takes the alert cursor lock inside `tx`; every transaction that changes an alert calls this before it
 * takes a cursor, so cursors are handed out in commit order. Waits while another such transaction is open.
 * Call it before locking any alert row, so every writer takes the locks in the same order.
 */
export async function lockAlertCursor(tx: Sql): Promise<void> {
  await tx`select pg_advisory_xact_lock(${ALERT_CURSOR_LOCK_KEY})`;
}

/** Evidence kept per alert when repeats fold into it; older entries are dropped first. */
const MAX_EVIDENCE = 50;

export interface RecordOptions {
  /** Repeats of the same kind for the same senior within this many seconds fold into the open alert. */
  dedupeSeconds: number;
  /** Seconds before the first escalation step. */
  escalationSeconds: number;
}

/**
 * The emergency log. Every change takes a fresh cursor, under `lockAlertCursor`, so cursor order is commit
 * order and dashboards can resume without a gap.
 */
export class AlertStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Records an alert raised on a hub, inside the caller's transaction. Idempotent on the hub's alert id;
   * a repeat of an unresolved alert of the same kind within the dedupe window folds into it.
   * @returns the alert as changed (to push after commit), or undefined when this id was already recorded.
   */
  async recordFromHub(
    tx: Sql,
    hub: { id: string; seniorId: string },
    raised: RaisedAlert,
    occurredAt: string,
    options: RecordOptions,
  ): Promise<Alert | undefined> {
    const [seen] =
      await tx`select 1 from alert_occurrences where hub_id = ${hub.id} and hub_alert_id = ${raised.alertId}`;
    if (seen) return undefined;
    await lockAlertCursor(tx);
    const evidence = raised.evidence.map((e) => ({ ...e, hubAlertId: raised.alertId }));
    const [folded] = await tx<AlertRow[]>`
      update alerts set
        occurrences = occurrences + 1,
        last_occurred_at = greatest(last_occurred_at, ${occurredAt}::timestamptz),
        evidence = (select coalesce(jsonb_agg(e), '[]'::jsonb) from (
          select e from jsonb_array_elements(evidence || ${tx.json(evidence as never)}::jsonb) with ordinality as x(e, n)
          order by n desc limit ${MAX_EVIDENCE}) t),
        cursor = nextval('alert_cursor_seq')
      where id = (
        select id from alerts
        where senior_id = ${hub.seniorId} and kind = ${raised.kind} and status <> 'resolved'
          and last_occurred_at > ${occurredAt}::timestamptz - make_interval(secs => ${options.dedupeSeconds})
        order by last_occurred_at desc limit 1)
      returning *`;
    let row = folded;
    if (!row) {
      [row] = await tx<AlertRow[]>`
        insert into alerts (senior_id, hub_id, hub_alert_id, kind, severity, source, message, evidence,
          occurred_at, last_occurred_at, next_escalation_at)
        values (${hub.seniorId}, ${hub.id}, ${raised.alertId}, ${raised.kind}, ${raised.severity}, ${raised.source},
          ${raised.message}, ${tx.json(evidence as never)}, ${occurredAt}, ${occurredAt},
          now() + make_interval(secs => ${options.escalationSeconds}))
        returning *`;
    }
    await tx`insert into alert_occurrences (hub_id, hub_alert_id, alert_id) values (${hub.id}, ${raised.alertId}, ${row!.id})`;
    return toAlert(row!);
  }

  /** The alert if `who` may see it. */
  async getVisible(who: StaffPrincipal, id: string): Promise<Alert | undefined> {
    const [row] =
      who.role === 'admin'
        ? await this.sql<AlertRow[]>`select * from alerts where id = ${id}`
        : await this.sql<
            AlertRow[]
          >`select a.* from alerts a join staff_seniors s on s.senior_id = a.senior_id
            where a.id = ${id} and s.staff_id = ${who.id}`;
    return row && toAlert(row);
  }

  /**
   * Alerts `who` may see, newest first. `sinceCursor` returns every alert changed after that cursor
   * (oldest change first), which is how a dashboard resumes.
   */
  async listVisible(
    who: StaffPrincipal,
    filter: { status?: AlertStatus[]; seniorId?: string; sinceCursor?: number; since?: Date; limit?: number },
  ): Promise<Alert[]> {
    const sql = this.sql;
    const limit = Math.min(filter.limit ?? 500, 5000);
    const rows = await sql<AlertRow[]>`
      select a.* from alerts a
      where true
        ${who.role === 'admin' ? sql`` : sql`and a.senior_id in (select senior_id from staff_seniors where staff_id = ${who.id})`}
        ${filter.status ? sql`and a.status = any(${filter.status}::text[])` : sql``}
        ${filter.seniorId ? sql`and a.senior_id = ${filter.seniorId}` : sql``}
        ${filter.sinceCursor !== undefined ? sql`and a.cursor > ${filter.sinceCursor}` : sql``}
        ${filter.since ? sql`and a.last_occurred_at >= ${filter.since}` : sql``}
      order by ${filter.sinceCursor !== undefined ? sql`a.cursor asc` : sql`a.occurred_at desc`}
      limit ${limit}`;
    return rows.map(toAlert);
  }

  /**
   * The senior's alerts that a person acknowledged or resolved after `since`, oldest change first:
   * what a hub that was offline is told when it connects.
   */
  async recentlyHandled(seniorId: string, since: Date): Promise<Alert[]> {
    const rows = await this.sql<AlertRow[]>`
      select * from alerts
      where senior_id = ${seniorId} and status <> 'open'
        and coalesce(resolved_at, acknowledged_at) > ${since}
      order by cursor`;
    return rows.map(toAlert);
  }

  /** The escalation level of each of these alerts (absent ids are left out). */
  async escalationLevels(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql<{ id: string; escalation_level: number }[]>`
      select id, escalation_level from alerts where id = any(${ids}::uuid[])`;
    return new Map(rows.map((r) => [r.id, r.escalation_level]));
  }

  /** How many alerts are in each status (every status present, 0 when none), for metrics. */
  async countByStatus(): Promise<Record<AlertStatus, number>> {
    const rows = await this.sql<{ status: AlertStatus; n: number }[]>`
      select status, count(*)::int as n from alerts group by status`;
    const counts: Record<AlertStatus, number> = { open: 0, acknowledged: 0, resolved: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** The highest cursor handed out so far (0 when none). */
  async currentCursor(): Promise<number> {
    const [row] = await this.sql<{ c: number | null }[]>`select max(cursor)::bigint as c from alerts`;
    return row?.c ?? 0;
  }

  /**
   * Acknowledges an open alert; stops its escalation. Idempotent: acknowledging again changes nothing.
   * @returns the alert after the change and whether it changed; undefined when it does not exist.
   */
  async acknowledge(id: string, staffId: string): Promise<{ alert: Alert; changed: boolean } | undefined> {
    const [row] = await transaction(this.sql, async (tx) => {
      await lockAlertCursor(tx);
      return tx<AlertRow[]>`
        update alerts set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = ${staffId},
          next_escalation_at = null, cursor = nextval('alert_cursor_seq')
        where id = ${id} and status = 'open' returning *`;
    });
    if (row) return { alert: toAlert(row), changed: true };
    const [current] = await this.sql<AlertRow[]>`select * from alerts where id = ${id}`;
    return current && { alert: toAlert(current), changed: false };
  }

  /** Resolves an alert (acknowledging it too if nobody had). Idempotent like `acknowledge`. */
  async resolve(
    id: string,
    staffId: string,
    note: string | null,
  ): Promise<{ alert: Alert; changed: boolean } | undefined> {
    const [row] = await transaction(this.sql, async (tx) => {
      await lockAlertCursor(tx);
      return tx<AlertRow[]>`
        update alerts set status = 'resolved', resolved_at = now(), resolved_by = ${staffId}, resolution_note = ${note},
          acknowledged_at = coalesce(acknowledged_at, now()), acknowledged_by = coalesce(acknowledged_by, ${staffId}),
          next_escalation_at = null, cursor = nextval('alert_cursor_seq')
        where id = ${id} and status <> 'resolved' returning *`;
    });
    if (row) return { alert: toAlert(row), changed: true };
    const [current] = await this.sql<AlertRow[]>`select * from alerts where id = ${id}`;
    return current && { alert: toAlert(current), changed: false };
  }
}

// The ring lives in alert-ring.ts; re-exported so callers of the store find it where they did.
export { ALERTS, ALERTS_CHANNEL, AlertRing, ringAlert } from './alert-ring.js';

import type { Alert } from '@hearth/shared';
import { type AlertRow, toAlert } from '../alerts/alert-store.js';
import type { Sql } from '../db/database.js';

/** How far back a reconnecting hub is told what people did with its senior's alerts. */
export const HUB_CATCH_UP_MS = 7 * 24 * 3600_000;

/**
 * The senior's alerts that a person acknowledged or resolved recently, oldest change first.
 * The live ring reaches only hubs connected at that moment; a hub that was offline is sent
 * these when it connects, so it still learns that a human has its alert in hand.
 */
export async function recentlyHandledAlerts(sql: Sql, seniorId: string, now = Date.now()): Promise<Alert[]> {
  const since = new Date(now - HUB_CATCH_UP_MS);
  const rows = await sql<AlertRow[]>`
    select * from alerts
    where senior_id = ${seniorId} and status <> 'open'
      and coalesce(resolved_at, acknowledged_at) > ${since}
    order by cursor`;
  return Promise.all(rows.map((row) => withStaffNames(sql, toAlert(row))));
}

/** The alert with the names of the people who acknowledged and resolved it, for the hub's technician. */
export async function withStaffNames(sql: Sql, alert: Alert): Promise<Alert> {
  const ids = [alert.acknowledgedBy, alert.resolvedBy].filter((id): id is string => id !== null);
  if (ids.length === 0) return alert;
  const rows = await sql<{ id: string; name: string }[]>`select id, name from staff where id = any(${ids})`;
  const name = (id: string | null) => rows.find((r) => r.id === id)?.name ?? null;
  return { ...alert, acknowledgedByName: name(alert.acknowledgedBy), resolvedByName: name(alert.resolvedBy) };
}

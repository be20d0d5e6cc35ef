import type { FeatureEvent } from '@hearth/shared';
import type { Sql } from '../db/database.js';

/** Kinds the routine features read; the rest (temperatures, heartbeats…) are not loaded for training. */
const ROUTINE_KINDS = ['motion', 'contact', 'button', 'pressure'];

/**
 * A senior's routine events from `sensor_events` (every hub they have had), in time order.
 * Rows with the same timestamp keep the hub's own order (seq). Readings taken while the hub's
 * clock was unsynchronised are left out: their time of day, which the model learns, is unknown.
 */
export async function loadRoutineHistory(
  sql: Sql,
  seniorId: string,
  range: { from: Date; to: Date },
): Promise<FeatureEvent[]> {
  const rows = await sql<{ ts: Date; kind: string; value: unknown; room: string | null }[]>`
    select ts, kind, value, room from sensor_events
    where senior_id = ${seniorId} and ts >= ${range.from} and ts < ${range.to} and kind in ${sql(ROUTINE_KINDS)}
      and not clock_unsynced
    order by ts, hub_id, seq`;
  return rows.map((r) => ({ ts: r.ts.getTime(), kind: r.kind, value: r.value, room: r.room }));
}

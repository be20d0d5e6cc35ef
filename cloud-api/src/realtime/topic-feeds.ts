import type { SensorEvent } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import { SeniorStore } from '../seniors/senior-store.js';

/** Bus channel rung after each ingested batch: `{seniorId, events, omitted}`. */
export const EVENTS_CHANNEL = 'events';

/** Most events of one batch carried on the bus; a backlog drain sends its tail and says how many it left out. */
export const MAX_LIVE_EVENTS = 100;

/** What the events channel carries. */
export interface EventsRing {
  seniorId: string;
  events: Pick<SensorEvent, 'hubId' | 'seq' | 'ts' | 'sensorId' | 'kind' | 'value' | 'room'>[];
  omitted: number;
}

/** Topics besides `alerts` whose snapshot comes from here. */
export function isFeedTopic(topic: string): boolean {
  return ['seniors', 'hubs', 'safety-checks'].includes(topic) || /^senior:[0-9a-f-]{36}$/.test(topic);
}

/**
 * The snapshot a subscriber to `topic` starts from, limited to what `who` may see.
 * For `senior:<id>` the caller has already checked visibility.
 */
export async function feedSnapshot(sql: Sql, who: StaffPrincipal, topic: string): Promise<unknown> {
  const seniors = new SeniorStore(sql);
  const scope =
    who.role === 'admin'
      ? sql`true`
      : sql`senior_id in (select senior_id from staff_seniors where staff_id = ${who.id})`;
  if (topic === 'seniors') return { seniors: await seniors.listVisible(who) };
  if (topic === 'hubs') {
    const rows = await sql<{ id: string; senior_id: string; status: string; last_seen_at: Date | null }[]>`
      select id, senior_id, status, last_seen_at from hubs where ${scope} order by created_at`;
    return {
      hubs: rows.map((h) => ({
        id: h.id,
        seniorId: h.senior_id,
        status: h.status,
        lastSeenAt: h.last_seen_at?.toISOString() ?? null,
      })),
    };
  }
  if (topic === 'safety-checks') {
    const rows = await sql<
      { id: string; senior_id: string; status: string; outcome: string | null; created_at: Date }[]
    >`
      select id, senior_id, status, outcome, created_at from safety_checks where ${scope}
      order by created_at desc limit 100`;
    return {
      checks: rows.map((r) => ({
        id: r.id,
        seniorId: r.senior_id,
        status: r.status,
        outcome: r.outcome,
        createdAt: r.created_at.toISOString(),
      })),
    };
  }
  const seniorId = topic.slice('senior:'.length);
  const rows = await sql<
    {
      hub_id: string;
      seq: number;
      ts: Date;
      sensor_id: string;
      kind: string;
      value: unknown;
      room: string | null;
    }[]
  >`
    select hub_id, seq, ts, sensor_id, kind, value, room from sensor_events
    where senior_id = ${seniorId} and ts > now() - interval '1 day' order by ts desc limit 50`;
  return {
    events: rows.reverse().map((r) => ({
      hubId: r.hub_id,
      seq: r.seq,
      ts: r.ts.toISOString(),
      sensorId: r.sensor_id,
      kind: r.kind,
      value: r.value,
      room: r.room,
    })),
  };
}

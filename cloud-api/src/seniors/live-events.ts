import { SensorEvent } from '@hearth/shared';
import { z } from 'zod';
import { defineChannel } from '../bus/channel.js';
import type { Sql } from '../db/database.js';

/** Most events of one batch carried on the bus; a backlog drain sends its tail and says how many it left out. */
export const MAX_LIVE_EVENTS = 100;

/** One reading as the `senior:<id>` topic shows it. */
export const LiveEvent = SensorEvent.pick({
  hubId: true,
  seq: true,
  ts: true,
  sensorId: true,
  kind: true,
  value: true,
}).extend({ room: z.string().nullable().optional() });
export type LiveEvent = z.infer<typeof LiveEvent>;

/** What the events channel carries after each ingested batch. */
export const EventsRing = z.object({
  seniorId: z.uuid(),
  events: z.array(LiveEvent),
  omitted: z.number().int().nonnegative(),
});
export type EventsRing = z.infer<typeof EventsRing>;

/** Bus channel rung after each ingested batch: the senior's newest readings. */
export const EVENTS = defineChannel('events', EventsRing);
export const EVENTS_CHANNEL = EVENTS.name;

/** The senior's last 50 readings of the past day, oldest first: the `senior:<id>` snapshot. */
export async function recentLiveEvents(sql: Sql, seniorId: string): Promise<LiveEvent[]> {
  const rows = await sql<
    {
      hub_id: string;
      seq: number;
      ts: Date;
      sensor_id: string;
      kind: LiveEvent['kind'];
      value: LiveEvent['value'];
      room: string | null;
    }[]
  >`
    select hub_id, seq, ts, sensor_id, kind, value, room from sensor_events
    where senior_id = ${seniorId} and ts > now() - interval '1 day' order by ts desc limit 50`;
  return rows.reverse().map((r) => ({
    hubId: r.hub_id,
    seq: r.seq,
    ts: r.ts.toISOString(),
    sensorId: r.sensor_id,
    kind: r.kind,
    value: r.value,
    room: r.room,
  }));
}

import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import type { Bus } from '../realtime/bus.js';
import { sendToHub } from '../realtime/hub-commands.js';

/** Bus channel carrying signaling from a hub to the dashboard watching: `{sessionId, data}`. */
export const VIDEO_SIGNALS_CHANNEL = 'video-signals';

/** Largest signaling payload relayed (an SDP offer is a few kB). */
export const MAX_SIGNAL_BYTES = 32 * 1024;

const VIDEO_TOPIC = /^video:([0-9a-f-]{36})$/;

/** The session id of a `video:<id>` topic, or undefined. */
export function videoSessionOf(topic: string): string | undefined {
  return VIDEO_TOPIC.exec(topic)?.[1];
}

/** The live session's senior when `who` opened it; undefined when absent, ended, expired or someone else's. */
export async function sessionFor(
  sql: Sql,
  who: StaffPrincipal,
  sessionId: string,
): Promise<string | undefined> {
  const [row] = await sql<{ senior_id: string }[]>`
    select senior_id from video_sessions
    where id = ${sessionId} and staff_id = ${who.id} and ended_at is null and expires_at > now()`;
  return row?.senior_id;
}

/** Relays a dashboard's SDP/ICE message to the hubs of the session's senior. */
export function relayToHub(bus: Bus, seniorId: string, sessionId: string, data: unknown): Promise<void> {
  return sendToHub(bus, { seniorId, message: { type: 'signal', topic: `video:${sessionId}`, data } });
}

/**
 * Relays a hub's SDP/ICE message to the dashboard, if the session belongs to the hub's senior.
 * @returns false when the session is not this hub's to answer.
 */
export async function relayFromHub(
  sql: Sql,
  bus: Bus,
  hub: { seniorId: string },
  sessionId: string,
  data: unknown,
): Promise<boolean> {
  const [row] = await sql`select 1 from video_sessions
    where id = ${sessionId} and senior_id = ${hub.seniorId} and ended_at is null and expires_at > now()`;
  if (!row) return false;
  await bus.publish(VIDEO_SIGNALS_CHANNEL, { sessionId, data });
  return true;
}

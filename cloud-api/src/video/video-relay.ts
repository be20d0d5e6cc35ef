import { MAX_SIGNAL_BYTES, VideoSignalData, videoSessionOf } from '@hearth/shared';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import { sendToHub } from '../hubs/hub-commands.js';

/** A signaling step from a hub, for the dashboard watching the session. */
export const VideoSignalRing = z.object({ sessionId: z.uuid(), data: VideoSignalData });
export type VideoSignalRing = z.infer<typeof VideoSignalRing>;

/** Bus channel carrying signaling from a hub to the dashboard watching. */
export const VIDEO_SIGNALS = defineChannel('video-signals', VideoSignalRing);
export const VIDEO_SIGNALS_CHANNEL = VIDEO_SIGNALS.name;

// The topic pattern and the size limit are part of the control contract in shared.
export { MAX_SIGNAL_BYTES, videoSessionOf };

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
export function relayToHub(
  bus: Bus,
  seniorId: string,
  sessionId: string,
  data: VideoSignalData,
): Promise<void> {
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
  data: VideoSignalData,
): Promise<boolean> {
  const [row] = await sql`select 1 from video_sessions
    where id = ${sessionId} and senior_id = ${hub.seniorId} and ended_at is null and expires_at > now()`;
  if (!row) return false;
  await ring(bus, VIDEO_SIGNALS, { sessionId, data });
  return true;
}

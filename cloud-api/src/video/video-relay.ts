import { MAX_SIGNAL_BYTES, VideoSignalData, VideoSignalUp, videoSessionOf } from '@hearth/shared';
import { z } from 'zod';
import { AuditLog } from '../audit/audit-log.js';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import { sendToHub } from '../hubs/hub-commands.js';
import { VideoSessionStore } from './video-sessions.js';

/** A signaling step from a hub, for the dashboard watching the session. */
export const VideoSignalRing = z.object({ sessionId: z.uuid(), data: VideoSignalData });
export type VideoSignalRing = z.infer<typeof VideoSignalRing>;

/** Bus channel carrying signaling from a hub to the dashboard watching. */
export const VIDEO_SIGNALS = defineChannel('video-signals', VideoSignalRing);
export const VIDEO_SIGNALS_CHANNEL = VIDEO_SIGNALS.name;

/** How long after its expiry the hub's word that a session ended is still recorded. */
const ENDED_GRACE_MINUTES = 5;

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
  const [row] = await sql<{ expired: boolean }[]>`select expires_at <= now() as expired from video_sessions
    where id = ${sessionId} and senior_id = ${hub.seniorId} and ended_at is null
      and expires_at > now() - make_interval(mins => ${ENDED_GRACE_MINUTES})`;
  if (!row) return false;
  // Past its expiry a session may only be told it ended (the hub ends it at that moment).
  const kind = (data as { kind?: unknown } | null)?.kind;
  if (row.expired && kind !== 'ended' && kind !== 'refused') return false;
  await recordHubSignal(sql, hub.seniorId, sessionId, data);
  await ring(bus, VIDEO_SIGNALS, { sessionId, data });
  return true;
}

/**
 * Keeps what the hub says about a session: the path media takes (shown to staff, kept for the
 * audit) and its end, audited with who watched which senior, why, for how long and by which path.
 * Anything else (offer, candidates) only passes through.
 */
async function recordHubSignal(sql: Sql, seniorId: string, sessionId: string, data: unknown): Promise<void> {
  const signal = VideoSignalUp.safeParse(data);
  if (!signal.success) return;
  const store = new VideoSessionStore(sql);
  const said = signal.data;
  if (said.kind === 'connected') return store.connected(sessionId, said.candidateType);
  if (said.kind !== 'ended' && said.kind !== 'refused') return;
  const reason = said.kind === 'ended' ? said.reason : `refused by the hub: ${said.code}`;
  const ended = await store.end(sessionId, reason);
  if (!ended) return;
  const audit = new AuditLog(sql, (err) => {
    throw err;
  });
  await audit.record({
    actorType: 'staff',
    actorId: ended.staffId,
    action: 'video.session.end',
    targetType: 'senior',
    targetId: seniorId,
    details: {
      sessionId,
      why: ended.why,
      endedBecause: reason,
      candidateType: ended.candidateType,
      watchedSeconds: said.kind === 'ended' ? said.seconds : 0,
      openSeconds: Math.round((ended.endedAt.getTime() - ended.createdAt.getTime()) / 100) / 10,
      ...(said.kind === 'refused' && { refused: said.code }),
    },
  });
}

import type { Alert, ErrorCode } from '@hearth/shared';
import type { AlertStore } from '../alerts/alert-store.js';
import type { CloudDeps } from '../deps.js';
import type { StaffPrincipal } from '../http/env.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { sessionFor, videoSessionOf } from '../video/video-relay.js';
import { feedSnapshot, isFeedTopic } from './topic-feeds.js';

/** What a subscribe may lead to: the kind of topic, or a refusal to send back. */
export type TopicGrant =
  | { ok: true; kind: 'alerts' }
  | { ok: true; kind: 'feed' }
  | { ok: true; kind: 'video'; sessionId: string; seniorId: string }
  | { ok: false; code: ErrorCode; message: string };

/**
 * Decides whether `who` may subscribe to `topic`. Someone else's senior or video session answers
 * NOT_FOUND exactly like one that does not exist; denials of a senior are audited.
 */
export async function authoriseTopic(
  deps: CloudDeps,
  who: StaffPrincipal,
  topic: string,
): Promise<TopicGrant> {
  const sessionId = videoSessionOf(topic);
  if (sessionId) {
    const seniorId = await sessionFor(deps.sql, who, sessionId);
    return seniorId
      ? { ok: true, kind: 'video', sessionId, seniorId }
      : { ok: false, code: 'NOT_FOUND', message: 'video session not found' };
  }
  if (topic === 'alerts') {
    await deps.audit.record({ actorType: 'staff', actorId: who.id, action: 'alerts.subscribe' });
    return { ok: true, kind: 'alerts' };
  }
  if (!isFeedTopic(topic))
    return { ok: false, code: 'NOT_FOUND', message: `unknown topic ${topic || '(none)'}` };
  if (topic.startsWith('senior:')) {
    const seniorId = topic.slice('senior:'.length);
    const visible = await new SeniorStore(deps.sql).canSee(who, seniorId);
    await deps.audit.record({
      actorType: 'staff',
      actorId: who.id,
      action: 'senior.live.subscribe',
      targetType: 'senior',
      targetId: seniorId,
      outcome: visible ? 'ok' : 'denied',
    });
    if (!visible) return { ok: false, code: 'NOT_FOUND', message: 'senior not found' };
  }
  return { ok: true, kind: 'feed' };
}

/** The first message of a feed or video subscription. */
export function plainSnapshot(
  deps: CloudDeps,
  who: StaffPrincipal,
  topic: string,
  grant: TopicGrant,
): Promise<unknown> {
  if (grant.ok && grant.kind === 'video') return Promise.resolve({ sessionId: grant.sessionId });
  return feedSnapshot(deps.sql, who, topic);
}

/**
 * The alerts snapshot: with `data.cursor`, every alert changed since it (a resume); otherwise the
 * open and acknowledged alerts. `cursor` is where the next resume starts.
 */
export async function alertSnapshot(
  alerts: AlertStore,
  who: StaffPrincipal,
  data: unknown,
): Promise<{ alerts: Alert[]; cursor: number; resumed: boolean }> {
  const since = (data as { cursor?: unknown } | undefined)?.cursor;
  const resumed = typeof since === 'number' && Number.isInteger(since) && since >= 0;
  const list = resumed
    ? await alerts.listVisible(who, { sinceCursor: since })
    : await alerts.listVisible(who, { status: ['open', 'acknowledged'] });
  const cursor = Math.max(resumed ? since : await alerts.currentCursor(), ...list.map((a) => a.cursor));
  return { alerts: list, cursor, resumed };
}

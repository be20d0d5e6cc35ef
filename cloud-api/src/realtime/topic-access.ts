import {
  type Alert,
  AlertsSubscription,
  type ErrorCode,
  type StaffAlert,
  seniorOfTopic,
  videoSessionOf,
} from '@hearth/shared';
import type { AlertStore } from '../alerts/alert-store.js';
import { type EscalationAudience, isRung } from '../alerts/escalation-policy.js';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import type { HubStore } from '../hubs/hub-store.js';
import type { SafetyCheckStore } from '../safety/safety-check-store.js';
import { recentLiveEvents } from '../seniors/live-events.js';
import { seniorForRole } from '../seniors/schemas.js';
import type { SeniorStore } from '../seniors/senior-store.js';
import { sessionFor } from '../video/video-relay.js';

/** An audit entry a subscribe leads to (written once per connection for identical ones). */
export interface AuditNote {
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: 'ok' | 'denied';
}

/** What a subscribe may lead to: the kind of topic, or a refusal to send back. */
export type TopicGrant =
  | { ok: true; kind: 'alerts'; audit?: AuditNote }
  | { ok: true; kind: 'feed'; audit?: AuditNote }
  | { ok: true; kind: 'video'; sessionId: string; seniorId: string; audit?: undefined }
  | { ok: false; code: ErrorCode; message: string; audit?: AuditNote };

/** The alerts snapshot: alerts with their ring flag for this person, and where to resume. */
export interface AlertSnapshot {
  alerts: StaffAlert[];
  cursor: number;
  resumed: boolean;
}

/**
 * Everything the staff socket reads, behind one interface: the real one reads the stores, a test
 * passes canned answers. Each method throws only when storage fails.
 */
export interface TopicAccess {
  /** Whether `who` may subscribe to `topic` (already a valid topic); someone else's senior is NOT_FOUND. */
  authorise(who: StaffPrincipal, topic: string): Promise<TopicGrant>;
  /** The first message of a feed or video subscription. */
  snapshot(who: StaffPrincipal, topic: string, grant: TopicGrant): Promise<unknown>;
  /** With `data.cursor` every alert changed since it (a resume), else the open and acknowledged ones. */
  alertSnapshot(who: StaffPrincipal, data: unknown): Promise<AlertSnapshot>;
  /** Who the escalation policy chooses from for this senior (carers in order, admins), and who may see it. */
  audience(seniorId: string): Promise<SeniorAudience>;
  /** The alert's current escalation level (0 when unknown). */
  alertLevel(alertId: string): Promise<number>;
}

/** What a technician's dashboard may subscribe to. */
const TECHNICIAN_TOPICS = new Set(['hubs', 'seniors']);

/** The escalation policy's people for one senior, and everyone assigned to the senior. */
export type SeniorAudience = EscalationAudience & { viewers: readonly string[] };

/** May `who` see an item of this senior: admins always, others when they are assigned to the senior. */
export function canSee(who: StaffPrincipal, audience: SeniorAudience): boolean {
  return who.role === 'admin' || audience.viewers.includes(who.id);
}

/** The real access rules, read from the stores. */
export function storeTopicAccess(stores: {
  sql: Sql;
  alerts: AlertStore;
  seniors: SeniorStore;
  hubs: HubStore;
  checks: SafetyCheckStore;
}): TopicAccess {
  const { sql, alerts, seniors, hubs, checks } = stores;
  const audiences = async (seniorIds: string[]) => {
    const { carers, viewers, admins, onDuty } = await seniors.escalationAudience(seniorIds);
    return (id: string): SeniorAudience => ({
      carers: carers.get(id) ?? [],
      viewers: viewers.get(id) ?? [],
      admins,
      onDuty,
    });
  };
  const withRing = async (who: StaffPrincipal, list: Alert[]): Promise<StaffAlert[]> => {
    if (list.length === 0) return [];
    const levels = await alerts.escalationLevels(list.map((a) => a.id));
    const audienceOf = await audiences([...new Set(list.map((a) => a.seniorId))]);
    return list.map((a) => ({
      ...a,
      ring: isRung(who.id, { status: a.status, level: levels.get(a.id) ?? 0 }, audienceOf(a.seniorId)),
    }));
  };

  return {
    async authorise(who, topic) {
      // Technicians install and diagnose: hubs and devices, never alerts, live events or video.
      if (who.role === 'technician' && !TECHNICIAN_TOPICS.has(topic))
        return { ok: false, code: 'FORBIDDEN', message: 'technicians see hubs and devices only' };
      const sessionId = videoSessionOf(topic);
      if (sessionId) {
        const seniorId = await sessionFor(sql, who, sessionId);
        return seniorId
          ? { ok: true, kind: 'video', sessionId, seniorId }
          : { ok: false, code: 'NOT_FOUND', message: 'video session not found' };
      }
      if (topic === 'alerts')
        return { ok: true, kind: 'alerts', audit: { action: 'alerts.subscribe', outcome: 'ok' } };
      const seniorId = seniorOfTopic(topic);
      if (seniorId) {
        const visible = await seniors.canSee(who, seniorId);
        const audit: AuditNote = {
          action: 'senior.live.subscribe',
          targetType: 'senior',
          targetId: seniorId,
          outcome: visible ? 'ok' : 'denied',
        };
        return visible
          ? { ok: true, kind: 'feed', audit }
          : { ok: false, code: 'NOT_FOUND', message: 'senior not found', audit };
      }
      return { ok: true, kind: 'feed' };
    },

    async snapshot(who, topic, grant) {
      if (grant.ok && grant.kind === 'video') return { sessionId: grant.sessionId };
      if (topic === 'seniors')
        return { seniors: (await seniors.listVisible(who)).map((s) => seniorForRole(s, who.role)) };
      if (topic === 'hubs') return { hubs: await hubs.listVisible(who) };
      if (topic === 'safety-checks') return { checks: await checks.listVisible(who) };
      const seniorId = seniorOfTopic(topic);
      if (!seniorId) throw new Error(`no snapshot for topic ${topic}`);
      return { events: await recentLiveEvents(sql, seniorId) };
    },

    async alertSnapshot(who, data) {
      const parsed = AlertsSubscription.safeParse(data);
      const since = parsed.success ? parsed.data?.cursor : undefined;
      const resumed = since !== undefined;
      const list = resumed
        ? await alerts.listVisible(who, { sinceCursor: since })
        : await alerts.listVisible(who, { status: ['open', 'acknowledged'] });
      const cursor = Math.max(resumed ? since : await alerts.currentCursor(), ...list.map((a) => a.cursor));
      return { alerts: await withRing(who, list), cursor, resumed };
    },

    async audience(seniorId) {
      return (await audiences([seniorId]))(seniorId);
    },

    async alertLevel(alertId) {
      return (await alerts.escalationLevels([alertId])).get(alertId) ?? 0;
    },
  };
}

// Fakes for the realtime handler tests: a recording logger and canned topic access. No socket, no database.
import type { Alert, StaffAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import { vi } from 'vitest';
import type { AuditEntry } from '../src/audit/audit-log.js';
import type { StaffPrincipal } from '../src/http/env.js';
import { MemoryPort } from '../src/realtime/message-port.js';
import type { StaffContext } from '../src/realtime/staff-context.js';
import { type MessageRate, StaffSession } from '../src/realtime/staff-session.js';
import type { SeniorAudience, TopicAccess, TopicGrant } from '../src/realtime/topic-access.js';
import { TopicRegistry } from '../src/realtime/topics.js';

/** A logger whose calls a test can read. */
export function recordingLog() {
  const log = {
    debug: vi.fn(),
    info: vi.fn(),
    warn: vi.fn(),
    error: vi.fn(),
    child: () => log,
  };
  return log as typeof log & Logger;
}

export const SENIOR = '5cab30e5-4901-4977-9ea3-5890d6e8fdde';
export const OTHER_SENIOR = '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
export const SESSION = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

export const people = {
  primary: { id: 'aaaaaaaa-0000-4000-8000-000000000001', role: 'staff' },
  second: { id: 'aaaaaaaa-0000-4000-8000-000000000002', role: 'staff' },
  admin: { id: 'aaaaaaaa-0000-4000-8000-000000000003', role: 'admin' },
  stranger: { id: 'aaaaaaaa-0000-4000-8000-000000000004', role: 'staff' },
  technician: { id: 'aaaaaaaa-0000-4000-8000-000000000005', role: 'technician' },
} satisfies Record<string, StaffPrincipal>;

export const audience: SeniorAudience = {
  carers: [people.primary.id, people.second.id],
  viewers: [people.primary.id, people.second.id, people.technician.id],
  admins: [people.admin.id],
  onDuty: new Set([people.primary.id, people.second.id, people.admin.id]),
};

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: '0b6f2c3e-9a51-4d7e-8c1f-2a3b4c5d6e7f',
    seniorId: SENIOR,
    hubId: null,
    kind: 'fall',
    severity: 'critical',
    source: 'button',
    status: 'open',
    message: 'Pendant button pressed',
    evidence: [],
    occurredAt: '2026-01-01T00:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
    cursor: 10,
    ...overrides,
  };
}

/** Topic access with canned answers: the senior is visible to its carers and admins only. */
export function fakeAccess(overrides: Partial<TopicAccess> = {}): TopicAccess {
  return {
    async authorise(who, topic): Promise<TopicGrant> {
      if (topic === 'alerts')
        return { ok: true, kind: 'alerts', audit: { action: 'alerts.subscribe', outcome: 'ok' } };
      if (topic === `video:${SESSION}`)
        return { ok: true, kind: 'video', sessionId: SESSION, seniorId: SENIOR };
      if (topic.startsWith('video:'))
        return { ok: false, code: 'NOT_FOUND', message: 'video session not found' };
      if (topic.startsWith('senior:')) {
        const visible =
          topic === `senior:${SENIOR}` && (who.role === 'admin' || audience.carers.includes(who.id));
        const audit = {
          action: 'senior.live.subscribe',
          targetType: 'senior',
          targetId: topic.slice(7),
          outcome: visible ? ('ok' as const) : ('denied' as const),
        };
        return visible
          ? { ok: true, kind: 'feed', audit }
          : { ok: false, code: 'NOT_FOUND', message: 'senior not found', audit };
      }
      return { ok: true, kind: 'feed' };
    },
    snapshot: async (_who, topic) => ({ topic }),
    alertSnapshot: async () => ({ alerts: [] as StaffAlert[], cursor: 10, resumed: false }),
    audience: async () => audience,
    alertLevel: async () => 0,
    ...overrides,
  };
}

/** A handler context built from fakes, with what it recorded. */
export function fakeContext(access: TopicAccess = fakeAccess()) {
  const audited: AuditEntry[] = [];
  const relayed: Array<{ seniorId: string; sessionId: string; data: unknown }> = [];
  const log = recordingLog();
  const ctx: StaffContext = {
    access,
    registry: new TopicRegistry(20),
    audit: { record: async (entry) => void audited.push(entry) },
    relayToHub: async (seniorId, sessionId, data) => void relayed.push({ seniorId, sessionId, data }),
    log,
  };
  return { ctx, audited, relayed, log };
}

/** A session on an in-memory port, on a clock the test moves. */
export function fakeSession(
  staff: StaffPrincipal,
  options: { rate?: MessageRate; log?: Logger; now?: () => number } = {},
) {
  const port = new MemoryPort();
  const session = new StaffSession(staff, port, {
    maxQueueBytes: 1024 * 1024,
    rate: options.rate ?? { burst: 1000, perSecond: 1000 },
    log: options.log ?? recordingLog(),
    ...(options.now && { now: options.now }),
  });
  return { session, port };
}

import type { VideoSignalData } from '@hearth/shared';
import type { Logger } from 'pino';
import type { AuditEntry } from '../audit/audit-log.js';
import type { StaffSession } from './staff-session.js';
import type { AuditNote, TopicAccess } from './topic-access.js';
import type { TopicRegistry } from './topics.js';

/** What the staff handlers use; the transport builds it once, a test builds it from fakes. */
export interface StaffContext {
  access: TopicAccess;
  registry: TopicRegistry;
  audit: { record(entry: AuditEntry): Promise<void> };
  /** Sends a dashboard's signal to the hubs of the session's senior. @throws when the bus refuses it. */
  relayToHub(seniorId: string, sessionId: string, data: VideoSignalData): Promise<void>;
  /** What hubs said on a video topic before anyone here subscribed to it (serialised, oldest first). */
  earlySignals?: { take(topic: string): string[] };
  log: Logger;
}

/** Writes an audit entry for this session unless an identical one was written on this connection. */
export async function auditOnce(ctx: StaffContext, session: StaffSession, note: AuditNote): Promise<void> {
  const key = JSON.stringify([note.action, note.targetType, note.targetId, note.outcome]);
  if (session.audited.has(key)) return;
  session.audited.add(key);
  await ctx.audit.record({ actorType: 'staff', actorId: session.staff.id, ...note });
}

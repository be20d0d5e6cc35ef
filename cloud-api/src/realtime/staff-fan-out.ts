import type { StaffAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import type { AlertRing } from '../alerts/alert-ring.js';
import { isRung } from '../alerts/escalation-policy.js';
import { type Senior, seniorForRole } from '../seniors/schemas.js';
import type { StaffSession } from './staff-session.js';
import { canSee, type TopicAccess } from './topic-access.js';
import type { TopicRegistry } from './topics.js';

/**
 * Carries what the bus rings to the dashboards subscribed on this instance, each only to the staff
 * allowed to see it. Who is *rung* for an alert is decided here once per ring, by the escalation
 * policy, and travels as the `ring` flag of each pushed alert.
 */
export class StaffFanOut {
  /** Directory updates fan out one at a time, so a dashboard sees a hub's changes in the order they were rung. */
  private directory: Promise<void> = Promise.resolve();

  constructor(
    private readonly registry: TopicRegistry,
    private readonly access: TopicAccess,
    private readonly log: Logger,
  ) {}

  /** Pushes an alert change to the subscribers of `alerts` who may see its senior, with their ring flag. */
  async alert(ring: AlertRing): Promise<void> {
    if (this.registry.members('alerts').size === 0) return;
    const { alert, escalation } = ring;
    const level = escalation?.level ?? ring.level ?? (await this.access.alertLevel(alert.id));
    const audience = await this.access.audience(alert.seniorId);
    // Serialised once per ring flag, not per recipient: with thousands of dashboards this is most of the work.
    const texts = new Map<boolean, string>();
    for (const session of [...this.registry.members<StaffSession>('alerts')]) {
      if (!canSee(session.staff, audience)) continue;
      const state = session.topics.get('alerts');
      if (!state) continue;
      const rung = isRung(session.staff.id, { status: alert.status, level }, audience);
      const update: StaffAlert = { ...alert, ring: rung, ...(escalation && { escalation }) };
      if (state.pending) {
        state.pending.push(update);
        continue;
      }
      let text = texts.get(rung);
      if (!text) {
        text = JSON.stringify({ type: 'update', topic: 'alerts', data: update, id: alert.cursor });
        texts.set(rung, text);
      }
      session.sendText(text);
    }
  }

  /**
   * Tells the `alerts` subscribers who may see the senior that an alert's deliveries changed (a
   * doorbell: a dashboard showing that alert's delivery panel reads it again).
   */
  async deliveries(ring: { alertId: string; seniorId: string }): Promise<void> {
    if (this.registry.members('alerts').size === 0) return;
    const audience = await this.access.audience(ring.seniorId);
    const text = JSON.stringify({ type: 'update', topic: 'deliveries', data: ring });
    for (const session of [...this.registry.members<StaffSession>('alerts')]) {
      // A dashboard still taking its snapshot reads the panel after it anyway.
      if (!canSee(session.staff, audience) || session.topics.get('alerts')?.pending) continue;
      session.sendText(text);
    }
  }

  /** Sends to every subscriber of a topic whose visibility was checked at subscribe. */
  forward(topic: string, data: unknown, type: 'update' | 'signal' = 'update'): void {
    const members = this.registry.members<StaffSession>(topic);
    if (members.size === 0) return;
    const text = JSON.stringify({ type, topic, data });
    for (const session of [...members]) {
      // A subscription whose snapshot is still being read gets it afterwards, in order.
      const held = session.topics.get(topic)?.held;
      if (held) held.push(text);
      else session.sendText(text);
    }
  }

  /** Sends an update about one senior to the subscribers of a shared topic who may see that senior. */
  async forwardVisible(topic: string, seniorId: string, data: unknown): Promise<void> {
    if (this.registry.members(topic).size === 0) return;
    const audience = await this.access.audience(seniorId);
    const text = JSON.stringify({ type: 'update', topic, data });
    // Technicians are told a senior changed, never the senior's health information.
    const forTechnicians =
      topic === 'seniors' ? JSON.stringify({ type: 'update', topic, data: withoutHealthInfo(data) }) : text;
    for (const session of [...this.registry.members<StaffSession>(topic)]) {
      if (!canSee(session.staff, audience)) continue;
      const forThem = session.staff.role === 'technician' ? forTechnicians : text;
      const held = session.topics.get(topic)?.held;
      if (held) held.push(forThem);
      else session.sendText(forThem);
    }
  }

  /**
   * Queues a `seniors`/`hubs` update for the subscribers who may see `seniorId` (admins, and the staff
   * assigned at the time it fans out, so a carer assigned just now hears of their new senior).
   */
  directoryUpdate(topic: 'seniors' | 'hubs', seniorId: string, data: unknown): void {
    this.directory = this.directory.then(() =>
      this.forwardVisible(topic, seniorId, data).catch((err) =>
        this.log.error({ err, topic }, 'failed to fan out a directory update'),
      ),
    );
  }

  /** Resolves once every directory update queued so far went out. */
  settled(): Promise<void> {
    return this.directory;
  }
}

/** A `seniors` ring with the senior's health information left out. */
function withoutHealthInfo(data: unknown): unknown {
  if (!data || typeof data !== 'object' || !('senior' in data)) return data;
  const { senior, ...rest } = data as { senior: Senior };
  return { ...rest, senior: seniorForRole(senior, 'technician') };
}

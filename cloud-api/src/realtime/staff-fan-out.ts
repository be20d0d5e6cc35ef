import { setImmediate } from 'node:timers/promises';
import type { StaffAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import type { AlertRing } from '../alerts/alert-ring.js';
import { isRung } from '../alerts/escalation-policy.js';
import { type Senior, seniorForRole } from '../seniors/schemas.js';
import type { StaffSession } from './staff-session.js';
import { canSee, type SeniorAudience, type TopicAccess } from './topic-access.js';
import type { TopicRegistry } from './topics.js';

/** Sockets written between two turns of the event loop during one fan-out. */
export const FAN_OUT_SLICE = 500;

/**
 * Carries what the bus rings to the dashboards subscribed on this instance, each only to the staff
 * allowed to see it. Who is *rung* for an alert is decided here once per ring, by the escalation
 * policy, and travels as the `ring` flag of each pushed alert.
 */
export class StaffFanOut {
  /** Directory updates fan out one at a time, so a dashboard sees a hub's changes in the order they were rung. */
  private directory: Promise<void> = Promise.resolve();
  /** Alert changes fan out one after another, in the order the bus rang them. */
  private alerts: Promise<void> = Promise.resolve();

  constructor(
    private readonly registry: TopicRegistry,
    private readonly access: Pick<TopicAccess, 'alertLevel' | 'audience'>,
    private readonly log: Logger,
  ) {}

  /**
   * Pushes an alert change to the subscribers of `alerts` who may see its senior, with their ring flag.
   * Changes go out in the order they were rung (a dashboard's cursor only moves forward), though the
   * facts each needs are looked up at once. Resolves once written to every socket, never waiting for
   * a reader; rejects when the lookup fails.
   */
  alert(ring: AlertRing): Promise<void> {
    if (this.registry.members('alerts').size === 0) return Promise.resolve();
    const { alert, escalation } = ring;
    const facts = Promise.all([
      escalation?.level ?? ring.level ?? this.access.alertLevel(alert.id),
      this.access.audience(alert.seniorId),
    ]);
    // Handled where it is awaited; until then a failure must not count as unhandled.
    facts.catch(() => {});
    const sent = this.alerts.then(async () => {
      const [level, audience] = await facts;
      await this.pushAlert(ring, level, audience);
    });
    this.alerts = sent.catch(() => {});
    return sent;
  }

  private async pushAlert(ring: AlertRing, level: number, audience: SeniorAudience): Promise<void> {
    const { alert, escalation } = ring;
    // Serialised and encoded once per ring flag, not per recipient: with thousands of dashboards this
    // is most of the work.
    const frames = new Map<boolean, Uint8Array>();
    const sessions = [...this.registry.members<StaffSession>('alerts')];
    for (let i = 0; i < sessions.length; i++) {
      // Let the event loop breathe between slices: pings, uploads and other rings wait at most one slice.
      if (i > 0 && i % FAN_OUT_SLICE === 0) await setImmediate();
      const session = sessions[i]!;
      if (!session.port.open || !canSee(session.staff, audience)) continue;
      const state = session.topics.get('alerts');
      if (!state) continue;
      const rung = isRung(session.staff.id, { status: alert.status, level }, audience);
      if (state.pending) {
        state.pending.push({ ...alert, ring: rung, ...(escalation && { escalation }) });
        continue;
      }
      const shown = state.shown?.get(alert.id);
      if (shown !== undefined) {
        // Already in this dashboard's snapshot: the ring of that same change came late.
        if (alert.cursor <= shown) continue;
        state.shown?.delete(alert.id);
      }
      let frame = frames.get(rung);
      if (!frame) {
        const update: StaffAlert = { ...alert, ring: rung, ...(escalation && { escalation }) };
        frame = Buffer.from(
          JSON.stringify({ type: 'update', topic: 'alerts', data: update, id: alert.cursor }),
        );
        frames.set(rung, frame);
      }
      session.sendText(frame);
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
   * Queues a `seniors`/`hubs`/`safety-checks` update for the subscribers who may see `seniorId` (admins,
   * and the staff assigned at the time it fans out, so a carer assigned just now hears of their new
   * senior). Queued, so updates go out in the order they were rung: a check's hops must not overtake.
   */
  directoryUpdate(topic: 'seniors' | 'hubs' | 'safety-checks', seniorId: string, data: unknown): void {
    this.directory = this.directory.then(() =>
      this.forwardVisible(topic, seniorId, data).catch((err) =>
        this.log.error({ err, topic }, 'failed to fan out a directory update'),
      ),
    );
  }

  /** Resolves once every alert change and directory update queued so far went out. */
  settled(): Promise<void> {
    return Promise.all([this.directory, this.alerts]).then(() => {});
  }
}

/** A `seniors` ring with the senior's health information left out. */
function withoutHealthInfo(data: unknown): unknown {
  if (!data || typeof data !== 'object' || !('senior' in data)) return data;
  const { senior, ...rest } = data as { senior: Senior };
  return { ...rest, senior: seniorForRole(senior, 'technician') };
}

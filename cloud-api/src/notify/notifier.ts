import type { Logger } from 'pino';
import { ALERTS } from '../alerts/alert-ring.js';
import { type AlertRow, toAlert } from '../alerts/alert-store.js';
import { rungAt } from '../alerts/escalation-policy.js';
import type { Bus } from '../bus/bus.js';
import { listen } from '../bus/channel.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { SeniorStore } from '../seniors/senior-store.js';
import type { ActionTokens } from './action-tokens.js';
import { DeliveryError, type NotifyChannel } from './channel.js';
import { ringDeliveries } from './delivery-ring.js';
import { type DeliveryRow, DeliveryStore, type PlannedDelivery } from './delivery-store.js';
import type { DeliveryChannel } from './schemas.js';
import { NotifySettingsStore, type Recipient } from './settings-store.js';

export interface NotifierDeps {
  sql: Sql;
  bus: Bus;
  log: Logger;
  clock: Clock;
  tokens: ActionTokens;
  /** The channels configured; a channel absent here is never planned. */
  channels: Partial<Record<DeliveryChannel, NotifyChannel>>;
  maxAttempts: number;
  /** Base URL for links (the public URL, else this instance's). */
  baseUrl: () => string;
  /** How often missed rings, due retries and cancellations are looked for. */
  tickMs: number;
  /** Extra work on each tick (the admins' digest). */
  onTick?: () => Promise<void>;
  /** Each send's outcome, for metrics. */
  observe?: (channel: DeliveryChannel, outcome: 'sent' | 'retry' | 'failed', seconds: number) => void;
}

/** Deliveries claimed per round trip. */
const BATCH = 25;

/**
 * Rings people on their channels as the escalation policy says: for each open alert's level, one
 * delivery per person rung and channel they use, then sends what is due. Any instance may do any of
 * it (rows and locks keep each delivery single); an acknowledged or resolved alert cancels what is
 * still queued. Listens to alert rings for speed and sweeps on each tick for what a ring missed.
 */
export class Notifier {
  private readonly deliveries: DeliveryStore;
  private readonly settings: NotifySettingsStore;
  private readonly seniors: SeniorStore;
  private stopTimer: (() => void) | undefined;
  private unlisten: (() => void) | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private ticking: Promise<void> | undefined;
  private readonly work = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly deps: NotifierDeps) {
    this.deliveries = new DeliveryStore(deps.sql);
    this.settings = new NotifySettingsStore(deps.sql);
    this.seniors = new SeniorStore(deps.sql);
  }

  async start(): Promise<void> {
    this.unlisten = await listen(
      this.deps.bus,
      ALERTS,
      (ring) => this.track(this.onRing(ring.alert)),
      this.deps.log,
    );
    this.stopTimer = this.deps.clock.every(this.deps.tickMs, () => {
      this.ticking ??= this.tick()
        .catch((err) => this.deps.log.error({ err }, 'notification tick failed'))
        .finally(() => {
          this.ticking = undefined;
        });
    });
  }

  /** Stops listening and ticking, and waits for sends under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopTimer?.();
    this.unlisten?.();
    await this.settled();
  }

  /** Resolves once the work under way (rings, ticks, sends) has finished. */
  async settled(): Promise<void> {
    while (this.work.size > 0 || this.ticking || this.draining) {
      await Promise.allSettled([...this.work, this.ticking, this.draining]);
    }
  }

  /** Plans what a missed ring left unplanned, cancels what is no longer needed, sends what is due. */
  async tick(): Promise<void> {
    for (const a of await this.deliveries.unplanned()) await this.plan(a.id);
    await this.deliveries.cancelHandled();
    await this.drain();
    await this.deps.onTick?.();
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((err) => this.deps.log.error({ err }, 'notification failed'))
      .finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  private async onRing(alert: { id: string; status: string; seniorId: string }): Promise<void> {
    if (alert.status !== 'open') {
      if ((await this.deliveries.cancelHandled(alert.id)) > 0) await this.rang(alert.id, alert.seniorId);
      return;
    }
    if ((await this.plan(alert.id)) > 0) await this.drain();
  }

  /** Tells the dashboards showing this alert's deliveries that they changed. */
  private rang(alertId: string, seniorId?: string): Promise<void> {
    return ringDeliveries(this.deps, { id: alertId, ...(seniorId && { seniorId }) }, this.deps.log);
  }

  /** Creates the deliveries for the alert's current level (once, whichever instance is first). */
  async plan(alertId: string): Promise<number> {
    const [alert] = await this.deps.sql<AlertRow[]>`select * from alerts where id = ${alertId}`;
    if (alert?.status !== 'open') return 0;
    const audience = await this.seniors.escalationAudience([alert.senior_id]);
    const rung = rungAt(alert.escalation_level, {
      carers: audience.carers.get(alert.senior_id) ?? [],
      admins: audience.admins,
      onDuty: audience.onDuty,
    });
    const people = await this.settings.recipients(rung);
    const withPush = await this.settings.withPush(rung);
    const planned: PlannedDelivery[] = [];
    for (const person of people) {
      for (const channel of this.channelsFor(person, withPush.has(person.id))) {
        planned.push({ staffId: person.id, channel });
      }
    }
    const created = await this.deliveries.plan(
      alert.id,
      alert.escalation_level,
      planned,
      this.deps.clock.now(),
    );
    if (created > 0) await this.rang(alert.id, alert.senior_id);
    return created;
  }

  private channelsFor(person: Recipient, hasPush: boolean): DeliveryChannel[] {
    const { channels } = this.deps;
    const out: DeliveryChannel[] = [];
    if (channels.push && person.settings.push && hasPush) out.push('push');
    if (channels.email && person.settings.email) out.push('email');
    if (channels.webhook && person.settings.webhookUrl) out.push('webhook');
    return out;
  }

  /** Sends every due delivery; a drain asked for while one runs makes it go round once more. */
  drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.drainAgain = false;
        for (;;) {
          if (this.stopped) return;
          const batch = await this.deliveries.claim(this.deps.clock.now(), BATCH);
          await Promise.all(batch.map((row) => this.send(row)));
          if (batch.length < BATCH) break;
        }
      } while (this.drainAgain);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async send(row: DeliveryRow): Promise<void> {
    const started = performance.now();
    const channel = this.deps.channels[row.channel];
    const now = () => this.deps.clock.now();
    try {
      if (!channel) throw new DeliveryError(`the ${row.channel} channel is not configured`, true);
      const [alert] = await this.deps.sql<(AlertRow & { senior_name: string })[]>`
        select a.*, s.name as senior_name from alerts a join seniors s on s.id = a.senior_id where a.id = ${row.alert_id}`;
      const [recipient] = await this.settings.recipients([row.staff_id]);
      if (!alert) throw new DeliveryError('the alert no longer exists', true);
      if (!recipient) throw new DeliveryError('the staff member is disabled', true);
      const token = this.deps.tokens.issue(alert.id, recipient.id, now(), row.id);
      const base = this.deps.baseUrl();
      const hop = await channel.send({
        deliveryId: row.id,
        level: row.level,
        kind: row.kind,
        alert: toAlert(alert),
        seniorName: alert.senior_name,
        recipient,
        ackToken: token,
        links: {
          open: `${base}/#/alerts/${alert.id}`,
          ackPage: `${base}/api/v1/notify/ack?t=${encodeURIComponent(token)}`,
          ackApi: `${base}/api/v1/notify/ack-by-token`,
          receipt: `${base}/api/v1/notify/push-receipt`,
          seen: `${base}/api/v1/notify/seen`,
        },
      });
      await this.deliveries.markSent(row, now(), hop);
      this.deps.observe?.(row.channel, 'sent', (performance.now() - started) / 1000);
      await this.rang(row.alert_id, alert.senior_id);
    } catch (err) {
      const known = err instanceof DeliveryError;
      const reason = known ? err.message : 'internal error while sending';
      if (!known) this.deps.log.error({ err, deliveryId: row.id }, 'notification send failed');
      const outcome = await this.deliveries.markFailed(row, reason, {
        now: now(),
        maxAttempts: this.deps.maxAttempts,
        permanent: known && err.permanent,
      });
      this.deps.log.warn(
        { deliveryId: row.id, channel: row.channel, reason, outcome },
        'notification not delivered',
      );
      this.deps.observe?.(row.channel, outcome, (performance.now() - started) / 1000);
      await this.rang(row.alert_id);
    }
  }
}

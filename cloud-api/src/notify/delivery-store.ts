import { type Sql, transaction } from '../db/database.js';
import type { DeliveryChannel, DeliveryStatus, DeliveryView } from './schemas.js';

export interface DeliveryRow {
  id: string;
  alert_id: string;
  staff_id: string;
  channel: DeliveryChannel;
  level: number;
  kind: 'alert' | 'escalation';
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  seen_at: Date | null;
}

/** One delivery to create: a person rung on a channel at a level. */
export interface PlannedDelivery {
  staffId: string;
  channel: DeliveryChannel;
}

/**
 * A delivery is claimed for this long; if its sender dies, another instance takes it after. Longer than
 * any channel's own timeouts (SMTP's add up to 40 s), so a live sender always finishes first.
 */
const CLAIM_LEASE_MS = 120_000;

/** Seconds before retry `attempt` (1-based): 15 s doubling to 15 min, plus up to 10% jitter. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(15_000 * 2 ** Math.max(0, attempt - 1), 15 * 60_000);
  return Math.round(base * (1 + random() * 0.1));
}

/**
 * The record of every ring on every channel. Any instance may plan and claim: the unique key
 * (alert, staff, channel, level) keeps a delivery from existing twice, and `FOR UPDATE SKIP LOCKED`
 * keeps two instances from claiming the same one.
 */
export class DeliveryStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Records that `level` of `alertId` is planned and creates its deliveries, in one transaction.
   * @returns the deliveries created; none when another instance planned this level first.
   */
  async plan(alertId: string, level: number, planned: PlannedDelivery[], now: Date): Promise<number> {
    return transaction(this.sql, async (tx) => {
      const won = await tx`insert into alert_notify_levels (alert_id, level, planned_at)
        values (${alertId}, ${level}, ${now}) on conflict do nothing returning level`;
      if (won.length === 0) return 0;
      let created = 0;
      for (const d of planned) {
        const rows =
          await tx`insert into notify_deliveries (alert_id, staff_id, channel, level, kind, next_attempt_at, created_at)
          values (${alertId}, ${d.staffId}, ${d.channel}, ${level}, ${level === 0 ? 'alert' : 'escalation'}, ${now}, ${now})
          on conflict do nothing returning id`;
        created += rows.length;
      }
      return created;
    }) as Promise<number>;
  }

  /** Open alerts whose current escalation level has not been planned yet (a ring that was missed). */
  async unplanned(limit = 100): Promise<{ id: string; level: number }[]> {
    return this.sql<{ id: string; level: number }[]>`
      select a.id, a.escalation_level as level from alerts a
      where a.status = 'open' and not exists (
        select 1 from alert_notify_levels l where l.alert_id = a.id and l.level = a.escalation_level)
      order by a.cursor limit ${limit}`;
  }

  /**
   * Claims up to `limit` queued deliveries that are due, of alerts still open: each gets an attempt and
   * a lease. Rows another instance holds are skipped, never waited for.
   */
  async claim(now: Date, limit: number): Promise<DeliveryRow[]> {
    const lease = new Date(now.getTime() + CLAIM_LEASE_MS);
    return this.sql<DeliveryRow[]>`
      with due as (
        select d.id from notify_deliveries d join alerts a on a.id = d.alert_id
        where d.status = 'queued' and d.next_attempt_at <= ${now} and a.status = 'open'
        order by d.next_attempt_at limit ${limit}
        for update of d skip locked)
      update notify_deliveries n set attempts = n.attempts + 1, next_attempt_at = ${lease}
      from due where n.id = due.id
      returning n.*`;
  }

  /**
   * The channel accepted it: `sent`, or `delivered` when the acceptance came from the person's own
   * receiver (a webhook's 2xx). Only the claim that made this attempt may say so.
   */
  async markSent(row: DeliveryRow, now: Date, hop: 'sent' | 'delivered' = 'sent'): Promise<void> {
    await this.sql`update notify_deliveries set status = ${hop}, sent_at = ${now}, last_error = null,
        delivered_at = ${hop === 'delivered' ? now : null}
      where id = ${row.id} and status = 'queued' and attempts = ${row.attempts}`;
  }

  /**
   * The person's device confirmed it (the service worker received the push): by the delivery that
   * carried the token, else (older tokens) every push delivery of the alert to that person.
   * @returns whether a delivery moved on.
   */
  async markDelivered(
    target: { deliveryId?: string; alertId: string; staffId: string; channel: DeliveryChannel },
    now: Date,
  ): Promise<boolean> {
    const rows = target.deliveryId
      ? await this.sql`update notify_deliveries set status = 'delivered', delivered_at = ${now}
          where id = ${target.deliveryId} and staff_id = ${target.staffId} and status = 'sent' returning id`
      : await this.sql`update notify_deliveries set status = 'delivered', delivered_at = ${now}
          where alert_id = ${target.alertId} and staff_id = ${target.staffId} and channel = ${target.channel}
            and status = 'sent' returning id`;
    return rows.length > 0;
  }

  /**
   * The person opened it (clicked the notification, opened the acknowledge page): `seen`, which
   * implies delivered. Only the delivery that carried the token, and only once it was sent.
   * @returns whether a delivery moved on.
   */
  async markSeen(deliveryId: string, staffId: string, now: Date): Promise<boolean> {
    const rows = await this.sql`update notify_deliveries set status = 'seen', seen_at = ${now},
        delivered_at = coalesce(delivered_at, ${now})
      where id = ${deliveryId} and staff_id = ${staffId} and status in ('sent', 'delivered') returning id`;
    return rows.length > 0;
  }

  /**
   * A failed attempt: queued again after a backoff, or failed for good once `maxAttempts` are spent
   * or the failure is permanent.
   */
  async markFailed(
    row: DeliveryRow,
    error: string,
    options: { now: Date; maxAttempts: number; permanent: boolean },
  ): Promise<'retry' | 'failed'> {
    const last = options.permanent || row.attempts >= options.maxAttempts;
    const next = new Date(options.now.getTime() + retryDelayMs(row.attempts));
    await this.sql`update notify_deliveries set last_error = ${error.slice(0, 500)},
      status = ${last ? 'failed' : 'queued'}, next_attempt_at = ${next}
      where id = ${row.id} and status = 'queued' and attempts = ${row.attempts}`;
    return last ? 'failed' : 'retry';
  }

  /** Cancels what is still queued for alerts nobody needs to be rung about any more. @returns how many. */
  async cancelHandled(alertId?: string): Promise<number> {
    const rows = await this.sql`
      update notify_deliveries d set status = 'cancelled', last_error = 'alert ' || a.status || ' before sending'
      from alerts a where a.id = d.alert_id and d.status = 'queued' and a.status <> 'open'
        ${alertId ? this.sql`and d.alert_id = ${alertId}` : this.sql``}
      returning d.id`;
    return rows.length;
  }

  /** Who was rung for an alert, on which channel, and what became of it; oldest first. */
  async forAlert(alertId: string): Promise<DeliveryView[]> {
    const rows = await this.sql<(DeliveryRow & { staff_name: string; acknowledged: boolean })[]>`
      select d.*, s.name as staff_name, coalesce(a.acknowledged_by = d.staff_id, false) as acknowledged
      from notify_deliveries d join staff s on s.id = d.staff_id join alerts a on a.id = d.alert_id
      where d.alert_id = ${alertId} order by d.level, d.created_at, s.name, d.channel`;
    return rows.map((r) => ({
      id: r.id,
      staffId: r.staff_id,
      staffName: r.staff_name,
      channel: r.channel,
      level: r.level,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
      deliveredAt: r.delivered_at?.toISOString() ?? null,
      seenAt: r.seen_at?.toISOString() ?? null,
      acknowledged: r.acknowledged,
    }));
  }
}

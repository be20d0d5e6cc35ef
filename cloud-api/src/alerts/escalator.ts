import type { EscalationStep } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import { type Sql, transaction } from '../db/database.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { ringAlert } from './alert-ring.js';
import { type AlertRow, lockAlertCursor, toAlert } from './alert-store.js';
import { MAX_ESCALATION_LEVEL, rungAt } from './escalation-policy.js';

export type { EscalationStep } from '@hearth/shared';
export { MAX_ESCALATION_LEVEL } from './escalation-policy.js';

export interface EscalatorDeps {
  sql: Sql;
  bus: Bus;
  log: Logger;
  clock: Clock;
  /** Seconds between escalation steps. */
  escalationSeconds: number;
  /** How often due escalations are looked for. */
  tickMs: number;
}

/**
 * Escalates alerts nobody acknowledged: after each `escalationSeconds` the alert moves one level up;
 * who that level rings is the escalation policy's to say (primary carer on duty → every carer on
 * duty → admins), the same answer the dashboards' ring flag and the notifier get.
 * Each step is recorded once (unique per level, so several instances never double it) and pushed.
 * Acknowledging clears `next_escalation_at`. Time comes from the injected clock only.
 */
export class AlertEscalator {
  private stopTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: EscalatorDeps) {}

  /** Looks for due escalations every `tickMs`; a tick still running is not started twice. */
  start(): void {
    this.stopTimer = this.deps.clock.every(this.deps.tickMs, () => {
      this.running ??= this.tick()
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err }, 'alert escalation failed'))
        .finally(() => {
          this.running = undefined;
        });
    });
  }

  /** Resolves once the tick under way (if any) has finished. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Stops ticking and waits for a tick under way. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    await this.running;
  }

  /** Escalates every alert that is due now. @returns how many steps were taken. */
  async tick(): Promise<number> {
    const { sql, clock, escalationSeconds } = this.deps;
    const now = clock.now();
    // A cheap look first, so an idle tick never takes the cursor lock every alert writer waits on.
    const [anyDue] =
      await sql`select 1 from alerts where status = 'open' and next_escalation_at <= ${now} limit 1`;
    if (!anyDue) return 0;
    const steps = (await transaction(sql, async (tx) => {
      // Before the row locks below: every alert writer takes this lock first, so none can deadlock.
      await lockAlertCursor(tx);
      const due = await tx<AlertRow[]>`
        select * from alerts where status = 'open' and next_escalation_at <= ${now}
        order by next_escalation_at limit 100 for update skip locked`;
      const audience = await new SeniorStore(tx).escalationAudience([
        ...new Set(due.map((a) => a.senior_id)),
      ]);
      const next = new Date(now.getTime() + escalationSeconds * 1000);
      const out: { alert: AlertRow; step: EscalationStep }[] = [];
      for (const a of due) {
        const level = Math.min(a.escalation_level + 1, MAX_ESCALATION_LEVEL);
        const ids = rungAt(level, {
          carers: audience.carers.get(a.senior_id) ?? [],
          admins: audience.admins,
          onDuty: audience.onDuty,
        });
        await tx`insert into alert_escalations (alert_id, level, notified_staff, escalated_at)
          values (${a.id}, ${level}, ${tx.array(ids)}::uuid[], ${now}) on conflict (alert_id, level) do nothing`;
        const [row] = await tx<AlertRow[]>`
          update alerts set escalation_level = ${level},
            next_escalation_at = ${level < MAX_ESCALATION_LEVEL ? next : null},
            cursor = nextval('alert_cursor_seq')
          where id = ${a.id} returning *`;
        out.push({ alert: row!, step: { level, notifiedStaff: ids, at: now.toISOString() } });
      }
      return out;
    })) as { alert: AlertRow; step: EscalationStep }[];
    for (const { alert, step } of steps) {
      this.deps.log.warn({ alertId: alert.id, level: step.level }, 'alert escalated');
      await ringAlert(
        this.deps.bus,
        { alert: toAlert(alert), level: step.level, escalation: step },
        this.deps.log,
      );
    }
    return steps.length;
  }
}

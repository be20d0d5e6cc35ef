import { transaction } from '../db/database.js';
import type { CloudDeps } from '../deps.js';
import { type AlertRow, lockAlertCursor, ringAlert, toAlert } from './alert-store.js';

/** Highest escalation level: 0 primary carer, 1 every carer of the senior, 2 every admin. */
export const MAX_ESCALATION_LEVEL = 2;

/** Who an escalation step reached, pushed beside the alert. */
export interface EscalationStep {
  level: number;
  notifiedStaff: string[];
  at: string;
}

/**
 * Escalates alerts nobody acknowledged: after each `escalationSeconds` the alert moves one level up
 * (assigned staff → all staff on the senior → admins); each step is recorded once (unique per level,
 * so several instances never double it) and pushed. Acknowledging clears `next_escalation_at`.
 */
export class AlertEscalator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: CloudDeps,
    private readonly tickMs = 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err }, 'alert escalation failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Escalates every alert that is due now. @returns how many steps were taken. */
  async tick(): Promise<number> {
    const { sql, config } = this.deps;
    // A cheap look first, so an idle tick never takes the cursor lock every alert writer waits on.
    const [anyDue] =
      await sql`select 1 from alerts where status = 'open' and next_escalation_at <= now() limit 1`;
    if (!anyDue) return 0;
    const steps = (await transaction(sql, async (tx) => {
      // Before the row locks below: every alert writer takes this lock first, so none can deadlock.
      await lockAlertCursor(tx);
      const due = await tx<AlertRow[]>`
        select * from alerts where status = 'open' and next_escalation_at <= now()
        order by next_escalation_at limit 100 for update skip locked`;
      const out: { alert: AlertRow; step: EscalationStep }[] = [];
      for (const a of due) {
        const level = Math.min(a.escalation_level + 1, MAX_ESCALATION_LEVEL);
        const notified =
          level === 1
            ? await tx<
                { id: string }[]
              >`select staff_id as id from staff_seniors where senior_id = ${a.senior_id}`
            : await tx<{ id: string }[]>`select id from staff where role = 'admin' and disabled_at is null`;
        const ids = notified.map((n) => n.id);
        await tx`insert into alert_escalations (alert_id, level, notified_staff)
          values (${a.id}, ${level}, ${tx.array(ids)}::uuid[]) on conflict (alert_id, level) do nothing`;
        const [row] = await tx<AlertRow[]>`
          update alerts set escalation_level = ${level},
            next_escalation_at = ${level < MAX_ESCALATION_LEVEL ? tx`now() + make_interval(secs => ${config.escalationSeconds})` : null},
            cursor = nextval('alert_cursor_seq')
          where id = ${a.id} returning *`;
        out.push({ alert: row!, step: { level, notifiedStaff: ids, at: new Date().toISOString() } });
      }
      return out;
    })) as { alert: AlertRow; step: EscalationStep }[];
    for (const { alert, step } of steps) {
      this.deps.log.warn({ alertId: alert.id, level: step.level }, 'alert escalated');
      await ringAlert(this.deps.bus, { alert: toAlert(alert), escalation: step }, this.deps.log);
    }
    return steps.length;
  }
}

import { type Alert, NO_ROBOT_PAIRED, type SafetyCheck } from '@hearth/shared';
import type { Logger } from 'pino';
import { ringAlert } from '../alerts/alert-ring.js';
import { type AlertRow, lockAlertCursor, toAlert } from '../alerts/alert-store.js';
import type { Bus } from '../bus/bus.js';
import { ring } from '../bus/channel.js';
import type { Clock } from '../clock.js';
import { type Sql, transaction } from '../db/database.js';
import type { Module } from '../modules.js';
import { SAFETY_CHECKS, type SafetyCheckRing } from './safety-check-ring.js';
import type { SafetyCheckStore } from './safety-check-store.js';

/** The alert kind a staff safety check raises when it ends without the senior known to be safe. */
export const SAFETY_CHECK_ALERT = 'safety_check';

export interface SafetyCheckFlowDeps {
  sql: Sql;
  bus: Bus;
  log: Logger;
  clock: Clock;
  checks: SafetyCheckStore;
  /** Seconds before the first escalation step of the alert a failed check raises. */
  escalationSeconds: number;
  /** How often overdue hops are looked for, ms. */
  tickMs: number;
}

const REASON_WORDS: Record<string, string> = {
  hub_offline: 'the hub is offline',
  robot_offline: 'no robot could go (offline, busy or battery low)',
  robot_no_answer: 'the robot did not answer',
};
const OUTCOME_WORDS: Record<string, string> = {
  needs_help: 'the robot found that the senior needs help',
  no_response: 'the robot got no response from the senior',
  not_found: 'the robot could not find the senior',
  failed: 'the robot could not carry out the check',
};

/** Why a check that ended this way needs a person now, or undefined when it does not. */
export function needsPerson(check: SafetyCheck): string | undefined {
  if (check.status === 'undelivered')
    return `Safety check undelivered: ${REASON_WORDS[check.reason ?? ''] ?? 'it never reached the robot'}. Send a person.`;
  // The carer who asked sees at once that the home has no robot; ringing everyone would add nothing.
  if (check.status === 'failed' && check.detail === NO_ROBOT_PAIRED) return undefined;
  if (check.status === 'failed')
    return `Safety check failed: ${check.detail ?? 'the hub could not carry it out'}. Send a person.`;
  if (check.status === 'done' && check.outcome && check.outcome !== 'ok')
    return `Safety check: ${OUTCOME_WORDS[check.outcome] ?? check.outcome}${check.room ? ` in the ${check.room}` : ''}.`;
  return undefined;
}

/**
 * What happens to a staff safety check between its hops: each change is rung on the bus (the hub's
 * instance sends a request down, every instance pushes the hop to its dashboards); a hop that does not
 * come in time closes the check as undelivered with its reason; and a check that ends without the
 * senior known to be safe raises a critical alert, so the escalation policy rings carers until one
 * goes. Works across instances: the overdue sweep and each ending are decided by one database update.
 */
export class SafetyCheckFlow implements Module {
  readonly name = 'safety-checks';
  private stopTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: SafetyCheckFlowDeps) {}

  start(): void {
    this.stopTimer = this.deps.clock.every(this.deps.tickMs, () => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err) => this.deps.log.error({ err }, 'closing overdue safety checks failed'))
        .finally(() => {
          this.running = undefined;
        });
    });
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    await this.running;
  }

  /** Closes the checks whose next hop is overdue. @returns how many. */
  async sweep(): Promise<number> {
    const closed = await this.deps.checks.closeOverdue();
    for (const check of closed) {
      this.deps.log.warn({ checkId: check.id, reason: check.reason }, 'safety check undelivered');
      await this.changed({ check });
    }
    return closed.length;
  }

  /**
   * A check changed (stored already, by exactly one caller): rings it, then raises the alert when it
   * ended without the senior known to be safe. Never throws; failures are logged.
   */
  async changed(change: SafetyCheckRing): Promise<void> {
    await ring(this.deps.bus, SAFETY_CHECKS, change).catch((err: unknown) =>
      this.deps.log.warn({ err, checkId: change.check.id }, 'safety check stored but the bus ring failed'),
    );
    const why = needsPerson(change.check);
    if (!why) return;
    try {
      const alert = await this.raise(change.check, why);
      await ringAlert(this.deps.bus, { alert, level: 0 }, this.deps.log);
    } catch (err) {
      this.deps.log.error(
        { err, checkId: change.check.id },
        'could not raise the alert of a failed safety check',
      );
    }
  }

  private async raise(check: SafetyCheck, message: string): Promise<Alert> {
    const now = this.deps.clock.now();
    const next = new Date(now.getTime() + this.deps.escalationSeconds * 1000);
    const evidence = [
      {
        safetyCheckId: check.id,
        status: check.status,
        ...(check.reason && { reason: check.reason }),
        ...(check.outcome && { outcome: check.outcome }),
        ...(check.room && { room: check.room }),
        ...(check.requestedBy && { requestedBy: check.requestedBy }),
      },
    ];
    return (await transaction(this.deps.sql, async (tx) => {
      await lockAlertCursor(tx);
      const [row] = await tx<AlertRow[]>`
        insert into alerts (senior_id, kind, severity, source, message, evidence, occurred_at,
          last_occurred_at, next_escalation_at)
        values (${check.seniorId}, ${SAFETY_CHECK_ALERT}, 'critical', 'robot', ${message.slice(0, 500)},
          ${tx.json(evidence as never)}, ${now}, ${now}, ${next})
        returning *`;
      return toAlert(row!);
    })) as Alert;
  }
}

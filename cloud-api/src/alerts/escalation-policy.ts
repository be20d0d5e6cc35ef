/**
 * Who is *rung* for an alert at each escalation level. Everyone allowed to see the senior still
 * *sees* the alert in their list; ringing is what makes a sound on the dashboard and goes to the
 * person's notification channels. One pure policy, used alike by the escalator (who it records as
 * notified), the dashboards (the `ring` flag) and the notifier (who gets push, email, webhooks):
 *
 * - level 0: the senior's primary carer on duty (the first carer in escalation order who is on duty);
 * - level 1: every carer of the senior on duty;
 * - level 2: the admins (on duty or not: they are the last resort).
 *
 * Carers off duty (who ended their shift) are never rung. A level that would ring nobody (no carer of
 * the senior on duty) rings the next level's people instead, so an alert is never silent while
 * someone could be told.
 */

/** Highest escalation level. */
export const MAX_ESCALATION_LEVEL = 2;

/** The people the policy chooses from for one senior. */
export interface EscalationAudience {
  /** Active carers of the senior (assigned, not technicians), in escalation order: the first is the primary carer. */
  carers: readonly string[];
  /** Active admins. */
  admins: readonly string[];
  /** Staff on duty (a person who never ended a shift is). Admins are rung at their level regardless. */
  onDuty: ReadonlySet<string>;
}

function atLevel(level: number, audience: EscalationAudience): readonly string[] {
  const carers = audience.carers.filter((id) => audience.onDuty.has(id));
  if (level <= 0) return carers.slice(0, 1);
  if (level === 1) return carers;
  return audience.admins;
}

/** The staff ids rung at `level` (clamped to 0..MAX_ESCALATION_LEVEL), without duplicates. */
export function rungAt(level: number, audience: EscalationAudience): string[] {
  const clamped = Math.max(0, Math.min(Math.trunc(level), MAX_ESCALATION_LEVEL));
  for (let l = clamped; l <= MAX_ESCALATION_LEVEL; l++) {
    const people = atLevel(l, audience);
    if (people.length > 0) return [...new Set(people)];
  }
  return [];
}

/**
 * Whether `staffId` is rung for an alert at `level`. Only an open alert rings: once a person has it
 * in hand (acknowledged or resolved) nobody is rung any more.
 */
export function isRung(
  staffId: string,
  alert: { status: string; level: number },
  audience: EscalationAudience,
): boolean {
  return alert.status === 'open' && rungAt(alert.level, audience).includes(staffId);
}

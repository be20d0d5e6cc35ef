import { z } from 'zod';
import type { Sql } from '../db/database.js';

/** What the person resolving an alert found. `helped` and `ambulance_called` count as actionable. */
export const AlertOutcome = z.enum(['helped', 'false_alarm', 'ambulance_called', 'other']);
export type AlertOutcome = z.infer<typeof AlertOutcome>;

/** Per alert kind: how its resolved alerts turned out, and the share that needed a person. */
export interface OutcomeRate {
  kind: string;
  resolved: number;
  outcomes: Record<AlertOutcome, number>;
  /** (helped + ambulance_called) / resolved with an outcome; null when none has one. */
  actionableRate: number | null;
}

/** One step in an alert's history, for the people who handle it. */
export interface AlertHistoryEntry {
  at: string;
  action: 'raised' | 'escalated' | 'acknowledged' | 'resolved';
  staffId: string | null;
  staffName: string | null;
  /** For `escalated`: the level reached (1 every carer, 2 admins). */
  level?: number;
  outcome?: AlertOutcome | null;
  note?: string | null;
}

/** Outcomes of resolved alerts and the history of one alert. */
export class AlertOutcomeStore {
  constructor(private readonly sql: Sql) {}

  /** Records the outcome of a resolution that just happened; a second record for the alert is ignored. */
  async record(alertId: string, outcome: AlertOutcome, staffId: string): Promise<void> {
    await this.sql`insert into alert_outcomes (alert_id, outcome, staff_id)
      values (${alertId}, ${outcome}, ${staffId}) on conflict (alert_id) do nothing`;
  }

  /** Actionable rate per alert kind over alerts raised since `since`. */
  async rates(since: Date): Promise<OutcomeRate[]> {
    const rows = await this.sql<{ kind: string; outcome: AlertOutcome | null; n: number }[]>`
      select a.kind, o.outcome, count(*)::int as n from alerts a
      left join alert_outcomes o on o.alert_id = a.id
      where a.status = 'resolved' and a.occurred_at >= ${since}
      group by a.kind, o.outcome order by a.kind`;
    const byKind = new Map<string, OutcomeRate>();
    for (const r of rows) {
      let rate = byKind.get(r.kind);
      if (!rate) {
        rate = {
          kind: r.kind,
          resolved: 0,
          outcomes: { helped: 0, false_alarm: 0, ambulance_called: 0, other: 0 },
          actionableRate: null,
        };
        byKind.set(r.kind, rate);
      }
      rate.resolved += r.n;
      if (r.outcome) rate.outcomes[r.outcome] += r.n;
    }
    for (const rate of byKind.values()) {
      const known = Object.values(rate.outcomes).reduce((a, b) => a + b, 0);
      const actionable = rate.outcomes.helped + rate.outcomes.ambulance_called;
      rate.actionableRate = known === 0 ? null : actionable / known;
    }
    return [...byKind.values()];
  }

  /** Raised, escalation steps, acknowledged and resolved (with outcome and note), oldest first. */
  async history(alertId: string): Promise<AlertHistoryEntry[]> {
    const [a] = await this.sql<
      {
        occurred_at: Date;
        acknowledged_at: Date | null;
        acknowledged_by: string | null;
        ack_name: string | null;
        resolved_at: Date | null;
        resolved_by: string | null;
        res_name: string | null;
        resolution_note: string | null;
        outcome: AlertOutcome | null;
      }[]
    >`select a.occurred_at, a.acknowledged_at, a.acknowledged_by, ack.name as ack_name,
        a.resolved_at, a.resolved_by, res.name as res_name, a.resolution_note, o.outcome
      from alerts a
      left join staff ack on ack.id = a.acknowledged_by
      left join staff res on res.id = a.resolved_by
      left join alert_outcomes o on o.alert_id = a.id
      where a.id = ${alertId}`;
    if (!a) return [];
    const steps = await this.sql<{ level: number; escalated_at: Date }[]>`
      select level, escalated_at from alert_escalations where alert_id = ${alertId} order by level`;
    const out: AlertHistoryEntry[] = [
      { at: a.occurred_at.toISOString(), action: 'raised', staffId: null, staffName: null },
      ...steps.map((s) => ({
        at: s.escalated_at.toISOString(),
        action: 'escalated' as const,
        staffId: null,
        staffName: null,
        level: s.level,
      })),
    ];
    if (a.acknowledged_at)
      out.push({
        at: a.acknowledged_at.toISOString(),
        action: 'acknowledged',
        staffId: a.acknowledged_by,
        staffName: a.ack_name,
      });
    if (a.resolved_at)
      out.push({
        at: a.resolved_at.toISOString(),
        action: 'resolved',
        staffId: a.resolved_by,
        staffName: a.res_name,
        outcome: a.outcome,
        note: a.resolution_note,
      });
    return out.sort((x, y) => x.at.localeCompare(y.at));
  }
}

import type { SafetyCheck, SafetyCheckReport } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';

interface SafetyCheckRow {
  id: string;
  senior_id: string;
  requested_by: string | null;
  status: SafetyCheck['status'];
  outcome: SafetyCheck['outcome'];
  detail: string | null;
  created_at: Date;
  updated_at: Date;
}

function toCheck(r: SafetyCheckRow): SafetyCheck {
  return {
    id: r.id,
    seniorId: r.senior_id,
    requestedBy: r.requested_by,
    status: r.status,
    outcome: r.outcome,
    detail: r.detail,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Safety checks staff asked for, and the latest hop each one reached. */
export class SafetyCheckStore {
  constructor(private readonly sql: Sql) {}

  /** Stores a new check in state `requested`. */
  async request(seniorId: string, requestedBy: string, reason: string | null): Promise<SafetyCheck> {
    const [row] = await this.sql<SafetyCheckRow[]>`
      insert into safety_checks (senior_id, requested_by, detail)
      values (${seniorId}, ${requestedBy}, ${reason}) returning *`;
    return toCheck(row!);
  }

  /** The check, or undefined. Visibility is the caller's to decide (by the check's senior). */
  async get(id: string): Promise<SafetyCheck | undefined> {
    const [row] = await this.sql<SafetyCheckRow[]>`select * from safety_checks where id = ${id}`;
    return row && toCheck(row);
  }

  /**
   * Records a hop a hub reported, only for a check of that hub's own senior.
   * @returns the check after the change (with the hop's room/stage/reason beside it), or undefined
   * when no such check belongs to `seniorId`.
   */
  async report(seniorId: string, report: SafetyCheckReport): Promise<SafetyCheck | undefined> {
    const outcome = 'outcome' in report ? (report.outcome ?? null) : null;
    const detail = 'detail' in report ? (report.detail ?? null) : null;
    const [row] = await this.sql<SafetyCheckRow[]>`
      update safety_checks set status = ${report.status}, outcome = ${outcome},
        detail = coalesce(${detail}, detail), updated_at = now()
      where id = ${report.id} and senior_id = ${seniorId} returning *`;
    if (!row) return undefined;
    return {
      ...toCheck(row),
      ...('room' in report && report.room !== undefined && { room: report.room }),
      ...('stage' in report && { stage: report.stage }),
      ...('reason' in report && { reason: report.reason }),
    };
  }

  /** The newest 100 checks `who` may see: the `safety-checks` snapshot. */
  async listVisible(
    who: StaffPrincipal,
  ): Promise<Pick<SafetyCheck, 'id' | 'seniorId' | 'status' | 'outcome' | 'createdAt'>[]> {
    const scope =
      who.role === 'admin'
        ? this.sql`true`
        : this.sql`senior_id in (select senior_id from staff_seniors where staff_id = ${who.id})`;
    const rows = await this.sql<SafetyCheckRow[]>`
      select * from safety_checks where ${scope} order by created_at desc limit 100`;
    return rows.map((r) => ({
      id: r.id,
      seniorId: r.senior_id,
      status: r.status,
      outcome: r.outcome,
      createdAt: r.created_at.toISOString(),
    }));
  }
}

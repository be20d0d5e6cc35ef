import type { SafetyCheck, SafetyCheckHop, SafetyCheckReport, SafetyCheckStatus } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';

interface SafetyCheckRow {
  id: string;
  senior_id: string;
  requested_by: string | null;
  status: SafetyCheck['status'];
  outcome: SafetyCheck['outcome'];
  detail: string | null;
  room: string | null;
  stage: SafetyCheck['stage'] | null;
  reason: SafetyCheck['reason'] | null;
  hops: SafetyCheckHop[];
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
    room: r.room,
    stage: r.stage,
    reason: r.reason,
    hops: r.hops,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** States after which nothing more happens to a check. */
export const CLOSED_STATUSES: readonly SafetyCheckStatus[] = ['done', 'undelivered', 'failed'];

/** How long each next hop may take, in seconds (`HEARTH_SAFETY_CHECK_*_SECONDS`). */
export interface SafetyCheckDeadlines {
  /** From requested to delivered to the hub; missed: undelivered, hub offline. */
  deliverSeconds: number;
  /** From delivered to sent to the robot; missed: undelivered, robot offline. */
  sendSeconds: number;
  /** From sent to acknowledged by the robot; missed: undelivered, robot did not answer. */
  ackSeconds: number;
  /** From acknowledged (or any progress) to the result; missed: undelivered, robot did not answer. */
  resultSeconds: number;
}

/** Seconds the hop after `status` may take; null once the check is closed. */
export function nextHopSeconds(status: SafetyCheckStatus, d: SafetyCheckDeadlines): number | null {
  switch (status) {
    case 'requested':
      return d.deliverSeconds;
    case 'delivered':
      return d.sendSeconds;
    case 'sent':
      return d.ackSeconds;
    case 'acknowledged':
    case 'accepted':
    case 'progress':
    case 'running':
      return d.resultSeconds;
    default:
      return null;
  }
}

/**
 * Hops a hub may add to one check; a robot reporting progress forever cannot grow the row without
 * bound. One more (the cloud's closing hop) keeps it within the contract's 100.
 */
const MAX_REPORTED_HOPS = 99;

/** The hop a hub's report adds to the history. */
function hopOf(report: SafetyCheckReport, at: string): SafetyCheckHop {
  const r = report as Partial<Record<string, unknown>> & { status: SafetyCheckStatus };
  return {
    status: r.status,
    at,
    ...(typeof r.robotId === 'string' && { robotId: r.robotId }),
    ...(typeof r.stage === 'string' && { stage: r.stage as SafetyCheckHop['stage'] }),
    ...(typeof r.room === 'string' && { room: r.room }),
    ...(typeof r.outcome === 'string' && { outcome: r.outcome as SafetyCheckHop['outcome'] }),
    ...(typeof r.reason === 'string' && { reason: r.reason as SafetyCheckHop['reason'] }),
    ...(typeof r.detail === 'string' && { detail: r.detail }),
  };
}

/**
 * Safety checks staff asked for: the latest hop each one reached, every hop before it, and when the
 * next one is due. Deadlines are kept on the database's clock, so any instance may enforce them.
 */
export class SafetyCheckStore {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores a new check in state `requested`, due to reach the hub within `deliverSeconds`. */
  async request(
    input: { seniorId: string; requestedBy: string; reason: string | null; room: string | null },
    deliverSeconds: number,
  ): Promise<SafetyCheck> {
    const hop: SafetyCheckHop = {
      status: 'requested',
      at: this.now().toISOString(),
      ...(input.room && { room: input.room }),
    };
    const [row] = await this.sql<SafetyCheckRow[]>`
      insert into safety_checks (senior_id, requested_by, detail, room, hops, deadline_at)
      values (${input.seniorId}, ${input.requestedBy}, ${input.reason}, ${input.room},
        ${this.sql.json([hop] as never)}, now() + make_interval(secs => ${deliverSeconds}))
      returning *`;
    return toCheck(row!);
  }

  /** The check, or undefined. Visibility is the caller's to decide (by the check's senior). */
  async get(id: string): Promise<SafetyCheck | undefined> {
    const [row] = await this.sql<SafetyCheckRow[]>`select * from safety_checks where id = ${id}`;
    return row && toCheck(row);
  }

  /**
   * Records a hop a hub reported, only for a check of that hub's own senior, and sets when the next
   * one is due. A hop for a check already closed (a late answer after its deadline) changes nothing.
   * @returns the check and whether it changed, or undefined when no such check belongs to `seniorId`.
   */
  async report(
    seniorId: string,
    report: SafetyCheckReport,
    deadlines: SafetyCheckDeadlines,
  ): Promise<{ check: SafetyCheck; changed: boolean } | undefined> {
    const outcome = 'outcome' in report ? (report.outcome ?? null) : null;
    const detail = 'detail' in report ? (report.detail ?? null) : null;
    const room = 'room' in report ? (report.room ?? null) : null;
    const stage = 'stage' in report ? report.stage : null;
    const reason = 'reason' in report ? report.reason : null;
    const next = nextHopSeconds(report.status, deadlines);
    const hop = hopOf(report, this.now().toISOString());
    const [row] = await this.sql<SafetyCheckRow[]>`
      update safety_checks set status = ${report.status}, outcome = coalesce(${outcome}, outcome),
        detail = coalesce(${detail}, detail), room = coalesce(${room}, room), stage = ${stage},
        reason = ${reason},
        hops = case when jsonb_array_length(hops) < ${MAX_REPORTED_HOPS} then hops || ${this.sql.json([hop] as never)}::jsonb
          else hops end,
        deadline_at = case when ${next}::int is null then null
          else now() + make_interval(secs => ${next ?? 0}) end,
        updated_at = now()
      where id = ${report.id} and senior_id = ${seniorId}
        and status <> all(${CLOSED_STATUSES as string[]}::text[])
      returning *`;
    if (row) return { check: toCheck(row), changed: true };
    const [closed] = await this.sql<SafetyCheckRow[]>`
      select * from safety_checks where id = ${report.id} and senior_id = ${seniorId}`;
    return closed && { check: toCheck(closed), changed: false };
  }

  /**
   * Closes every check whose next hop is overdue as `undelivered`, naming the hop that did not come:
   * not delivered (the hub is offline), not sent (no robot could go), or not answered. Atomic per
   * row, so when several instances look at once each check is closed by exactly one.
   * @returns the checks closed now.
   */
  async closeOverdue(): Promise<SafetyCheck[]> {
    const at = this.now().toISOString();
    const rows = await this.sql<SafetyCheckRow[]>`
      with due as (
        select id, status,
          case status when 'requested' then 'hub_offline' when 'delivered' then 'robot_offline'
            else 'robot_no_answer' end as reason,
          case status when 'requested' then 'the hub did not take the request in time'
            when 'delivered' then 'the hub could not send it to a robot in time'
            when 'sent' then 'the robot did not acknowledge in time'
            else 'the robot did not report a result in time' end as detail
        from safety_checks
        where deadline_at is not null and deadline_at <= now()
          and status <> all(${CLOSED_STATUSES as string[]}::text[])
        for update skip locked)
      update safety_checks c set status = 'undelivered', reason = due.reason, detail = due.detail,
        stage = null, deadline_at = null, updated_at = now(),
        hops = c.hops || jsonb_build_array(jsonb_build_object(
          'status', 'undelivered', 'at', ${at}::text, 'reason', due.reason, 'detail', due.detail))
      from due where c.id = due.id
      returning c.*`;
    return rows.map(toCheck);
  }

  /** The newest 100 checks `who` may see, each with its hops: the `safety-checks` snapshot. */
  async listVisible(who: StaffPrincipal): Promise<SafetyCheck[]> {
    const scope =
      who.role === 'admin'
        ? this.sql`true`
        : this.sql`senior_id in (select senior_id from staff_seniors where staff_id = ${who.id})`;
    const rows = await this.sql<SafetyCheckRow[]>`
      select * from safety_checks where ${scope} order by created_at desc limit 100`;
    return rows.map(toCheck);
  }
}

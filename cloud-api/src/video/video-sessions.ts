import type { CandidateType } from '@hearth/shared';
import type { Sql } from '../db/database.js';

/** Why staff may look in: privacy by default, so one of these must hold at the moment of asking. */
export type WatchReason = { reason: 'alert' | 'safety_check' | 'consent'; reasonId: string | null };

/** A safety check older than this without news no longer opens the camera. */
const SAFETY_CHECK_FRESH_MINUTES = 30;

/** The `video_sessions` table and the senior's video consent. */
export class VideoSessionStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Why the senior's camera may be opened now: an unresolved alert first, then a safety check in
   * progress, then the senior's recorded consent to check-in video. Null: it may not.
   */
  async whyMayWatch(seniorId: string): Promise<WatchReason | null> {
    const [alert] = await this.sql<{ id: string }[]>`
      select id from alerts where senior_id = ${seniorId} and status <> 'resolved'
      order by created_at desc limit 1`;
    if (alert) return { reason: 'alert', reasonId: alert.id };
    const [check] = await this.sql<{ id: string }[]>`
      select id from safety_checks where senior_id = ${seniorId}
        and status in ('requested', 'accepted', 'running')
        and updated_at > now() - make_interval(mins => ${SAFETY_CHECK_FRESH_MINUTES})
      order by created_at desc limit 1`;
    if (check) return { reason: 'safety_check', reasonId: check.id };
    const [senior] = await this.sql<{ video_consent: boolean }[]>`
      select video_consent from seniors where id = ${seniorId}`;
    return senior?.video_consent ? { reason: 'consent', reasonId: null } : null;
  }

  /** Whether an active hub is paired with the senior. */
  async hasHub(seniorId: string): Promise<boolean> {
    const [row] = await this
      .sql`select 1 from hubs where senior_id = ${seniorId} and status = 'active' limit 1`;
    return row !== undefined;
  }

  async staffName(staffId: string): Promise<string | undefined> {
    const [row] = await this.sql<{ name: string }[]>`select name from staff where id = ${staffId}`;
    return row?.name;
  }

  async open(session: {
    seniorId: string;
    staffId: string;
    expiresAt: Date;
    why: WatchReason;
  }): Promise<string> {
    const [row] = await this.sql<{ id: string }[]>`
      insert into video_sessions (senior_id, staff_id, expires_at, reason, reason_id)
      values (${session.seniorId}, ${session.staffId}, ${session.expiresAt}, ${session.why.reason},
        ${session.why.reasonId}) returning id`;
    return row!.id;
  }

  /** The hub named the path media takes; the last word counts. */
  async connected(sessionId: string, candidateType: CandidateType): Promise<void> {
    await this.sql`update video_sessions set candidate_type = ${candidateType},
      connected_at = coalesce(connected_at, now()) where id = ${sessionId}`;
  }

  /**
   * Marks the session ended. @returns what the audit needs, or undefined when it had already ended
   * (a repeated `ended` from the hub is recorded once).
   */
  async end(
    sessionId: string,
    reason: string,
  ): Promise<
    | {
        seniorId: string;
        staffId: string;
        reason: string;
        why: string;
        candidateType: string | null;
        createdAt: Date;
        connectedAt: Date | null;
        endedAt: Date;
      }
    | undefined
  > {
    const [row] = await this.sql<
      {
        senior_id: string;
        staff_id: string;
        reason: string;
        candidate_type: string | null;
        created_at: Date;
        connected_at: Date | null;
        ended_at: Date;
      }[]
    >`update video_sessions set ended_at = now(), ended_reason = ${reason}
      where id = ${sessionId} and ended_at is null
      returning senior_id, staff_id, reason, candidate_type, created_at, connected_at, ended_at`;
    if (!row) return undefined;
    return {
      seniorId: row.senior_id,
      staffId: row.staff_id,
      reason,
      why: row.reason,
      candidateType: row.candidate_type,
      createdAt: row.created_at,
      connectedAt: row.connected_at,
      endedAt: row.ended_at,
    };
  }

  async setConsent(seniorId: string, consent: boolean, by: string): Promise<void> {
    await this.sql`update seniors set video_consent = ${consent}, video_consent_by = ${by},
      video_consent_at = now() where id = ${seniorId}`;
  }
}

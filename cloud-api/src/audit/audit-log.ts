import type { Sql } from '../db/database.js';

/** One line of the append-only audit log. */
export interface AuditEntry {
  actorType: 'staff' | 'hub' | 'system' | 'anonymous';
  actorId?: string | undefined;
  /** What was done, e.g. `senior.read`, `auth.login`, `hub.claim`. */
  action: string;
  targetType?: string | undefined;
  targetId?: string | undefined;
  outcome?: 'ok' | 'denied' | 'failed';
  /** Address the request came from. */
  ip?: string | undefined;
  details?: Record<string, unknown>;
}

/** Writes who did what, to what, when and from where. The table refuses update and delete. */
export class AuditLog {
  constructor(
    private readonly sql: Sql,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Appends one entry. A failure to write is reported to `onError` and swallowed: the audit log
   * must not turn a served request into an error after the fact.
   */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this
        .sql`insert into audit_log (actor_type, actor_id, action, target_type, target_id, outcome, ip, details)
        values (${entry.actorType}, ${entry.actorId ?? null}, ${entry.action}, ${entry.targetType ?? null},
          ${entry.targetId ?? null}, ${entry.outcome ?? 'ok'}, ${entry.ip ?? null},
          ${this.sql.json((entry.details ?? {}) as never)})`;
    } catch (err) {
      this.onError(err);
    }
  }
}

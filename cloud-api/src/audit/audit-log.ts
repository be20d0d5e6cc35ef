import type { Sql } from '../db/database.js';
import { ApiError } from '../http/errors.js';
import { auditJson, auditText } from './sanitise.js';

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

const text = (s: string | undefined) => (s === undefined ? null : auditText(s));

/**
 * Writes who did what, to what, when and from where. The table refuses update and delete, and the
 * server's database role may only insert and read it. Every value is sanitised first (see
 * `sanitise.ts`), so a write cannot fail on what a request contained.
 */
export class AuditLog {
  constructor(
    private readonly sql: Sql,
    /** Told of every failed write (the composition root logs it and counts it in /metrics). */
    private readonly onError: (err: unknown, entry: AuditEntry) => void,
  ) {}

  /**
   * Appends an entry about reading or routine work. A failure is reported to `onError` and
   * swallowed: the audit log must not turn a served read into an error after the fact.
   */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.insert(this.sql, entry);
    } catch (err) {
      this.onError(err, entry);
    }
  }

  /**
   * Appends an entry about a security event (login, pairing, keys, accounts), on `sql` when given
   * so it commits or rolls back with the change it describes. Nothing security-relevant may happen
   * unaudited: a failure is reported and the request fails.
   * @throws ApiError 503 NOT_READY when the entry could not be written.
   */
  async recordSecurity(entry: AuditEntry, sql: Sql = this.sql): Promise<void> {
    try {
      await this.insert(sql, entry);
    } catch (err) {
      this.onError(err, entry);
      throw new ApiError(
        503,
        'NOT_READY',
        'the audit log could not be written, so nothing was done; try again',
      );
    }
  }

  private async insert(sql: Sql, entry: AuditEntry): Promise<void> {
    await sql`insert into audit_log (actor_type, actor_id, action, target_type, target_id, outcome, ip, details)
      values (${entry.actorType}, ${text(entry.actorId)}, ${auditText(entry.action)}, ${text(entry.targetType)},
        ${text(entry.targetId)}, ${entry.outcome ?? 'ok'}, ${text(entry.ip)},
        ${sql.json(auditJson(entry.details ?? {}) as never)})`;
  }
}

import type { Context } from 'hono';
import type { AppEnv } from '../http/env.js';
import { clientAddress } from '../http/request-info.js';
import type { AuditEntry, AuditLog } from './audit-log.js';

/** What a signed-in staff member's request did; who and from where come from the request. */
export type StaffAction = Omit<AuditEntry, 'actorType' | 'actorId' | 'ip'>;

/** Records an action of the staff member behind `c`. Like `AuditLog.record`, it never throws. */
export function auditStaff(audit: AuditLog, c: Context<AppEnv>, action: StaffAction): Promise<void> {
  return audit.record({ actorType: 'staff', actorId: c.var.staff.id, ip: clientAddress(c), ...action });
}

/**
 * Records a security-relevant action (keys, pairing, accounts) of the staff member behind `c`.
 * @throws ApiError 503 when it cannot be written: then the action must not go ahead.
 */
export function auditStaffSecurity(audit: AuditLog, c: Context<AppEnv>, action: StaffAction): Promise<void> {
  return audit.recordSecurity({
    actorType: 'staff',
    actorId: c.var.staff.id,
    ip: clientAddress(c),
    ...action,
  });
}

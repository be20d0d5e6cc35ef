import type { Alert } from '@hearth/shared';
import type { Logger } from 'pino';
import type { CloudDeps } from '../deps.js';
import { AlertStore, ringAlert } from './alert-store.js';

/** How the acknowledgement came in, for the audit log. */
export type AckVia = 'dashboard' | 'push' | 'email';

/**
 * Acknowledges an alert as `staffId`: the one path for the dashboard and for a notification's action
 * token, so both audit and ring alike. Idempotent.
 * @returns the alert and whether this call changed it; undefined when the alert does not exist.
 */
export async function acknowledgeAlert(
  deps: Pick<CloudDeps, 'sql' | 'bus' | 'audit'>,
  who: { alertId: string; staffId: string; ip: string | undefined; via: AckVia },
  log: Logger,
): Promise<{ alert: Alert; changed: boolean } | undefined> {
  const result = await new AlertStore(deps.sql).acknowledge(who.alertId, who.staffId);
  if (result?.changed) {
    await deps.audit.record({
      actorType: 'staff',
      actorId: who.staffId,
      action: 'alert.ack',
      targetType: 'alert',
      targetId: who.alertId,
      ip: who.ip,
      ...(who.via !== 'dashboard' && { details: { via: who.via } }),
    });
    await ringAlert(deps.bus, { alert: result.alert }, log);
  }
  return result;
}

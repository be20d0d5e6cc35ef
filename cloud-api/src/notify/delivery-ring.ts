import type { Logger } from 'pino';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';
import type { Sql } from '../db/database.js';

/** Something about an alert's deliveries changed (planned, sent, delivered, seen, failed, cancelled). */
export const DeliveriesRing = z.object({ alertId: z.uuid(), seniorId: z.uuid() });
export type DeliveriesRing = z.infer<typeof DeliveriesRing>;

/**
 * Bus channel rung when an alert's deliveries change. A doorbell: dashboards showing that alert's
 * delivery panel read `GET /alerts/:id/deliveries` again; the rows are the truth.
 */
export const DELIVERIES = defineChannel('deliveries', DeliveriesRing);

/** Rings the change for the alert's senior. Never throws: a missed ring only delays a panel. */
export async function ringDeliveries(
  deps: { sql: Sql; bus: Bus },
  alert: { id: string; seniorId?: string },
  log: Pick<Logger, 'warn'>,
): Promise<void> {
  try {
    let seniorId = alert.seniorId;
    if (!seniorId) {
      const [row] = await deps.sql<
        { senior_id: string }[]
      >`select senior_id from alerts where id = ${alert.id}`;
      seniorId = row?.senior_id;
    }
    if (seniorId) await ring(deps.bus, DELIVERIES, { alertId: alert.id, seniorId });
  } catch (err) {
    log.warn({ err, alertId: alert.id }, 'delivery change stored but the bus ring failed');
  }
}

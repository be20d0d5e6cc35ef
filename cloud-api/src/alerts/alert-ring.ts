import { Alert, EscalationStep } from '@hearth/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';

/** What travels on the alerts channel: an alert change, rung after its transaction committed. */
export const AlertRing = z.object({
  alert: Alert,
  /** When it was rung (ms since epoch), to measure bus lag. */
  sentAt: z.number().optional(),
  /** The alert's escalation level after the change, when the ringer knows it (absent: look it up). */
  level: z.number().int().nonnegative().optional(),
  /** Present when this change is an escalation step. */
  escalation: EscalationStep.optional(),
});
export type AlertRing = z.infer<typeof AlertRing>;

/** Bus channel on which every alert change is rung after commit. */
export const ALERTS = defineChannel('alerts', AlertRing);
/** The alerts channel's name (kept for callers that publish raw rings, e.g. load tests). */
export const ALERTS_CHANNEL = ALERTS.name;

/**
 * Rings the bus about an alert change, after its transaction committed. A failed ring is logged and
 * swallowed: the row is the truth, and dashboards catch up from their cursor.
 */
export async function ringAlert(bus: Bus, change: Omit<AlertRing, 'sentAt'>, log: Logger): Promise<void> {
  try {
    await ring(bus, ALERTS, { ...change, sentAt: Date.now() });
  } catch (err) {
    log.warn({ err, alertId: change.alert.id }, 'alert change stored but the bus ring failed');
  }
}

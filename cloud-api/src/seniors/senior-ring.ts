import type { Logger } from 'pino';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';
import { Senior } from './schemas.js';

/** What happened to a senior. `assigned` names the staff member who now looks after them. */
export const SeniorRing = z.object({
  change: z.enum(['created', 'updated', 'assigned']),
  /** The senior as stored after the change. */
  senior: Senior,
  /** For `assigned`: who was assigned. */
  staffId: z.uuid().optional(),
});
export type SeniorRing = z.infer<typeof SeniorRing>;

/** Bus channel rung after a senior is created, changed or given a carer. */
export const SENIORS = defineChannel('seniors', SeniorRing);

/**
 * Rings the bus about a senior, after the change committed. A failed ring is logged and swallowed:
 * the row is the truth, and a dashboard that missed it sees the change in its next snapshot.
 */
export async function ringSenior(bus: Bus, change: SeniorRing, log: Logger): Promise<void> {
  try {
    await ring(bus, SENIORS, change);
  } catch (err) {
    log.warn({ err, seniorId: change.senior.id }, 'senior change stored but the bus ring failed');
  }
}

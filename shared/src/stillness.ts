import { z } from 'zod';

/**
 * What is usual for this senior, learned by the cloud from their own history and sent down inside
 * the rule settings (`RulesConfig.stillness`). These are observations, not allowances: the hub adds
 * its margin and keeps the result between the floor and ceiling of `RulesConfig.inactivity`.
 */

const HOURS_IN_WEEK = 168;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:MM (24-hour)');

/** Longest normal stillness in minutes per local hour of the week (0 = Monday 00:00); null where the history has no example. */
const WeekOfMinutes = z
  .array(
    z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .nullable(),
  )
  .length(HOURS_IN_WEEK, `expected ${HOURS_IN_WEEK} hours of the week`);

export const StillnessAllowances = z.object({
  /** When the cloud learned these (ISO 8601). */
  learnedAt: z.iso.datetime({ offset: true }),
  /** Days of history they were learned from; below `inactivity.trustHistoryDays` the fixed floor and ceiling hold. */
  historyDays: z.number().nonnegative().max(3650),
  /**
   * Per room (the `room` of its motion sensors): the longest stillness seen while the senior was
   * awake at home, starting in that room at that hour of the week (neighbouring hours included).
   */
  rooms: z.record(z.string().min(1), WeekOfMinutes).refine((r) => Object.keys(r).length <= 32, {
    message: 'at most 32 rooms',
  }),
  /** Longest outing seen (front door closed, nobody indoors until the next activity), in minutes. */
  outMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .nullable(),
  /** Usual getting-up time (median over the history, local). */
  wakeTime: clockTime.nullable(),
  /** Early usual bedtime (local): in the bedroom after this, the senior is taken to be asleep. */
  bedTime: clockTime.nullable(),
});
export type StillnessAllowances = z.infer<typeof StillnessAllowances>;

/** Where the senior is while nothing moves, as the hub judges it from their latest activity. */
export type Place = 'asleep' | 'awake' | 'out' | 'bathroom';

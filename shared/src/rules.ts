import { z } from 'zod';
import { AlertSeverity } from './events.js';
import { StillnessAllowances } from './stillness.js';

/**
 * The hard-rule settings for one senior, sent down by the cloud (`GET /api/v1/hub/config`) and
 * kept by the hub. Every field has a safe default, so `RulesConfig.parse({})` is a working
 * configuration for a typical home.
 *
 * Conventions the rules rely on, which every sensor source must follow:
 * - `motion` events with value `true` mean someone moved in `room`.
 * - `contact` events carry `true` while the door/window is OPEN and `false` once it is closed.
 * - `button` events with value `true` are a press of the pendant or a wall button.
 * - `temperature` events carry degrees Celsius.
 * - `availability` events with value `false` mean the sensor is unreachable; `heartbeat` events
 *   prove it is alive.
 * - `robot` events carry the robot's status string (`online`, `offline`, `docked`, …).
 */

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:MM (24-hour)')
  .describe('local time of day, HH:MM');

const minutes = (max: number) => z.number().int().positive().max(max);

/** Fields every rule has: whether it runs, how serious it is, and how long duplicates are merged. */
const ruleBase = (severity: z.infer<typeof AlertSeverity>, cooldownMinutes: number) => ({
  enabled: z.boolean().default(true),
  severity: AlertSeverity.default(severity),
  /** A second alert of the same kind for the same subject within this many minutes is merged into the first. */
  cooldownMinutes: minutes(7 * 24 * 60).default(cooldownMinutes),
});

export const PendantRuleConfig = z.object({ ...ruleBase('critical', 1) });

/**
 * Stillness judged by where the senior is (see `placeOf`): asleep → `nightMaxMinutes`; awake at
 * home → the learned longest stillness for that room and hour plus a margin, kept between a floor
 * and a ceiling; out → not judged here (see `away`); bathroom → the bathroom rule.
 */
export const InactivityRuleConfig = z.object({
  ...ruleBase('critical', 120),
  /** Allowance while awake when nothing is learned, and the ceiling until the history is trusted. */
  awakeMaxMinutes: minutes(24 * 60).default(180),
  /** Floor of the awake allowance until the history is trusted. */
  awakeMinMinutes: minutes(24 * 60).default(45),
  /** Floor and ceiling of the awake allowance once the history is trusted. */
  learnedMinMinutes: minutes(24 * 60).default(20),
  learnedMaxMinutes: minutes(24 * 60).default(720),
  /** Days of history from which the learned stillness is trusted beyond the fixed floor and ceiling. */
  trustHistoryDays: minutes(3650).default(28),
  /** Added to the learned longest stillness: the larger of these minutes and this percentage. */
  marginMinutes: z.number().int().nonnegative().max(600).default(10),
  marginPercent: z.number().int().nonnegative().max(400).default(25),
  /** Longest stillness while asleep (in the bedroom in the sleep window), counted from the last activity. */
  nightMaxMinutes: minutes(24 * 60).default(720),
});

/** The senior went out (front door closed, nobody moving indoors since) and has not come back. */
export const AwayRuleConfig = z.object({
  ...ruleBase('warning', 240),
  /** Allowance when nothing is learned, and the ceiling until the history is trusted. */
  maxMinutes: minutes(7 * 24 * 60).default(360),
  /** Floor until the history is trusted; once trusted, the floor is `learnedMinMinutes`. */
  minMinutes: minutes(7 * 24 * 60).default(180),
  learnedMinMinutes: minutes(7 * 24 * 60).default(60),
  /** Added to the longest learned outing: the larger of these minutes and `inactivity.marginPercent`. */
  marginMinutes: z
    .number()
    .int()
    .nonnegative()
    .max(24 * 60)
    .default(45),
});

export const BathroomRuleConfig = z.object({
  ...ruleBase('critical', 60),
  /** Rooms that count as bathrooms (the `room` of their motion sensors). */
  rooms: z.array(z.string().min(1)).min(1).default(['bathroom']),
  maxMinutes: minutes(24 * 60).default(45),
});

export const NightDoorRuleConfig = z.object({
  ...ruleBase('critical', 60),
  /** `contact` sensors on doors to the outside. */
  sensorIds: z.array(z.string().min(1)).default(['door-front']),
  /** A front door open longer than this at night raises an alert. */
  openMaxMinutes: minutes(24 * 60).default(10),
  /** After the door closes at night, motion indoors within this long means the senior came back in. */
  returnMinutes: minutes(24 * 60).default(15),
});

export const WakeRuleConfig = z.object({
  ...ruleBase('warning', 12 * 60),
  /** When the senior is usually up (local time). */
  usualTime: clockTime.default('08:00'),
  /** How late past `usualTime` before someone should look. */
  graceMinutes: minutes(12 * 60).default(90),
  /** Rooms where motion does not count as being up. */
  bedrooms: z.array(z.string().min(1)).default(['bedroom']),
  /** Motion outside the bedrooms this long before `usualTime` already counts as up. */
  lookbackMinutes: minutes(12 * 60).default(180),
});

export const TemperatureRuleConfig = z
  .object({
    ...ruleBase('warning', 120),
    minC: z.number().min(-20).max(40).default(16),
    maxC: z.number().min(-20).max(50).default(29),
    /** A room must stay out of range this long before it alerts (one odd reading is not enough). */
    sustainMinutes: z
      .number()
      .int()
      .nonnegative()
      .max(24 * 60)
      .default(15),
  })
  .refine((t) => t.minC < t.maxC, { message: 'minC must be below maxC', path: ['minC'] });

export const DeviceRuleConfig = z.object({
  ...ruleBase('warning', 6 * 60),
  /** A sensor that has sent heartbeats and then falls silent this long is reported unavailable. */
  heartbeatTimeoutMinutes: minutes(7 * 24 * 60).default(30),
});

export const ModelRuleConfig = z.object({
  ...ruleBase('warning', 120),
  /** Anomaly score above which the senior's model raises an alert; absent → the model's own threshold. */
  threshold: z.number().positive().optional(),
  /** How many of the strongest features go into the alert's evidence. */
  topFeatures: z.number().int().min(1).max(20).default(3),
});

export const RulesConfig = z.object({
  /** IANA time zone of the home; all times of day below are local to it. */
  timezone: z
    .string()
    .default('UTC')
    .refine((tz) => isTimeZone(tz), { message: 'unknown IANA time zone' }),
  night: z
    .object({ start: clockTime.default('22:00'), end: clockTime.default('07:00') })
    .default({ start: '22:00', end: '07:00' }),
  pendant: PendantRuleConfig.default(PendantRuleConfig.parse({})),
  inactivity: InactivityRuleConfig.default(InactivityRuleConfig.parse({})),
  away: AwayRuleConfig.default(AwayRuleConfig.parse({})),
  bathroom: BathroomRuleConfig.default(BathroomRuleConfig.parse({})),
  nightDoor: NightDoorRuleConfig.default(NightDoorRuleConfig.parse({})),
  wake: WakeRuleConfig.default(WakeRuleConfig.parse({})),
  temperature: TemperatureRuleConfig.default(TemperatureRuleConfig.parse({})),
  devices: DeviceRuleConfig.default(DeviceRuleConfig.parse({})),
  model: ModelRuleConfig.default(ModelRuleConfig.parse({})),
  /** What is usual for this senior, learned by the cloud; absent until there is history. */
  stillness: StillnessAllowances.optional(),
});
export type RulesConfig = z.infer<typeof RulesConfig>;
/** What the cloud may send: any subset; missing fields take their defaults. */
export type RulesConfigInput = z.input<typeof RulesConfig>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Minutes after local midnight for an `HH:MM` string from a validated config. */
export function clockTimeToMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

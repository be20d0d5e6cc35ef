import { localMoment } from './local-time.js';
import { clockTimeToMinutes } from './rules.js';
import type { Place } from './stillness.js';

/**
 * Where the senior is, judged from their latest activity — the same judgement on the hub (to pick
 * the allowance for the stillness now) and in the cloud (to learn what is usual in each place).
 */

/** An event as the place judgement needs it. */
export interface PlaceEvent {
  ts: number;
  kind: string;
  value: unknown;
  room?: string | null;
  sensorId?: string;
}

/** What the judgement needs to know about the home. */
export interface PlaceSettings {
  timezone: string;
  night: { start: string; end: string };
  /** The senior's early usual bedtime, if learned: in the bedroom after it counts as asleep. */
  bedTime?: string | null;
  /** The time the senior is usually up by, if learned: in the bedroom before it counts as asleep. */
  wakeTime?: string | null;
  bedrooms: readonly string[];
  bathrooms: readonly string[];
  /** Contact sensors on doors to the outside. */
  outsideDoors: readonly string[];
}

/** Anything only a person does: moving, opening a door, pressing a button, getting in or out of bed. */
export const isPersonActivity = (e: PlaceEvent): boolean =>
  (e.kind === 'motion' && e.value === true && !!e.room) ||
  e.kind === 'contact' ||
  e.kind === 'pressure' ||
  (e.kind === 'button' && e.value === true);

/**
 * Where the senior is while still since `last`, their latest activity:
 * - `out`: the latest activity is an outside door closing (opened and closed, nobody moved since);
 * - `bathroom`: last seen in a bathroom;
 * - `asleep`: last seen in a bedroom, and then or `now` in the sleep window (from the earlier of
 *   bedtime and the night's start, to the later of the night's end and the usual wake time);
 * - `awake`: at home anywhere else.
 */
export function placeOf(last: PlaceEvent, s: PlaceSettings, now?: number): Place {
  if (last.kind === 'contact' && last.value === false && s.outsideDoors.includes(last.sensorId ?? ''))
    return 'out';
  const room = last.room ?? '';
  if (s.bathrooms.includes(room)) return 'bathroom';
  if (
    s.bedrooms.includes(room) &&
    (inSleepWindow(last.ts, s) || (now !== undefined && inSleepWindow(now, s)))
  )
    return 'asleep';
  return 'awake';
}

/** Evening times (noon onwards) stay as they are; early-morning ones count as the same night. */
const nightMinutes = (hhmm: string): number => {
  const m = clockTimeToMinutes(hhmm);
  return m < 12 * 60 ? m + 1440 : m;
};

function inSleepWindow(ts: number, s: PlaceSettings): boolean {
  const start = Math.min(nightMinutes(s.night.start), s.bedTime ? nightMinutes(s.bedTime) : Infinity);
  const end = Math.max(clockTimeToMinutes(s.night.end), s.wakeTime ? clockTimeToMinutes(s.wakeTime) : 0);
  const minute = localMoment(ts, s.timezone).minuteOfDay;
  const m = minute < 12 * 60 ? minute + 1440 : minute;
  return m >= start && m < end + 1440;
}

/** A trip out of the bedroom shorter than this that ends back in it (the toilet at 05:30) is not getting up. */
export const SHORT_TRIP_MS = 20 * 60_000;

/**
 * When the senior got up between `from` and `now`: the start of the first trip out of the
 * bedrooms that was not short and back to bed. A trip still going on at `now` counts (they are
 * up now). `events` must be in time order. Undefined when they have not got up.
 */
export function gotUpAt(
  events: readonly PlaceEvent[],
  from: number,
  now: number,
  bedrooms: readonly string[],
): number | undefined {
  let tripStart: number | undefined;
  for (const e of events) {
    if (e.ts < from || !isPersonActivity(e)) continue;
    if (e.ts > now) break;
    const inBedroom = bedrooms.includes(e.room ?? '');
    if (!inBedroom) tripStart ??= e.ts;
    else if (tripStart !== undefined) {
      if (e.ts - tripStart >= SHORT_TRIP_MS) return tripStart;
      tripStart = undefined;
    }
  }
  return tripStart;
}

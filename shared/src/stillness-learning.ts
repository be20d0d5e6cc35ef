import { hourOfWeek } from './features.js';
import { localMoment } from './local-time.js';
import {
  gotUpAt,
  isPersonActivity,
  type PlaceEvent,
  type PlaceSettings,
  placeOf,
  SHORT_TRIP_MS,
} from './place.js';
import type { StillnessAllowances } from './stillness.js';

/**
 * Learns what is usual for one senior from their own history: how long they stay still in each
 * room at each hour of the week while awake at home, how long they go out, when they get up and
 * when they go to bed. Pure: the cloud loads the history and stores the result; tests and the
 * benchmark call it on simulated days.
 */

const MIN = 60_000;
const DAY = 1440 * MIN;
/** A gap longer than this is a hub that was off or a trip away, not stillness. */
const MAX_GAP = DAY;
/** The usual getting-up time is the one most mornings are up by: a lie-in now and then is usual too. */
const WAKE_QUANTILE = 0.9;

export interface LearnStillnessOptions extends Omit<PlaceSettings, 'bedTime'> {
  /** When the learning happens (ms since the epoch); the open stillness at the end is not an example. */
  now: number;
}

export function learnStillness(
  events: readonly PlaceEvent[],
  options: LearnStillnessOptions,
): StillnessAllowances {
  const acts = events.filter((e) => isPersonActivity(e) && e.ts <= options.now).sort((a, b) => a.ts - b.ts);
  const first = acts[0]?.ts ?? options.now;
  const historyDays = Math.round(((options.now - first) / DAY) * 10) / 10;
  const wakeTime = learnWakeTime(acts, options);
  const bedTime = learnBedTime(acts, options);
  const settings: PlaceSettings = {
    ...options,
    bedTime,
    wakeTime: wakeTime === undefined ? null : hhmm(wakeTime),
  };

  // (room, hour of week) → the stillness episodes that began there.
  const cells = new Map<string, number[][]>();
  const outings: number[] = [];
  for (let i = 0; i + 1 < acts.length; i++) {
    const a = acts[i] as PlaceEvent;
    const gap = (acts[i + 1] as PlaceEvent).ts - a.ts;
    if (gap <= 0 || gap > MAX_GAP) continue;
    const place = placeOf(a, settings);
    if (place === 'out') outings.push(gap);
    if (place !== 'awake' || !a.room) continue;
    let week = cells.get(a.room);
    if (!week) {
      week = Array.from({ length: 168 }, () => []);
      cells.set(a.room, week);
    }
    (week[hourOfWeek(a.ts, options.timezone)] as number[]).push(gap);
  }

  const rooms: Record<string, (number | null)[]> = {};
  for (const [room, week] of [...cells.entries()].slice(0, 32)) rooms[room] = longestPerHour(week);
  return {
    learnedAt: new Date(options.now).toISOString(),
    historyDays: Math.max(0, historyDays),
    rooms,
    outMinutes: outings.length > 0 ? Math.ceil(Math.max(...outings) / MIN) : null,
    wakeTime: wakeTime === undefined ? null : hhmm(wakeTime),
    bedTime: bedTime ?? null,
  };
}

/**
 * For each hour of the week, the longest stillness begun in it or the hours either side, or, if
 * longer, in the same hours on any day of the week: a month holds only four of each hour of the
 * week, too few to know its longest, but thirty of each hour of the day.
 */
function longestPerHour(week: readonly number[][]): (number | null)[] {
  const byHourOfDay: number[][] = Array.from({ length: 24 }, () => []);
  week.forEach((gaps, h) => {
    byHourOfDay[h % 24]?.push(...gaps);
  });
  const pooled = byHourOfDay.map((_, d) =>
    Math.max(0, ...[-1, 0, 1].flatMap((k) => byHourOfDay[(d + k + 24) % 24] ?? [])),
  );
  return week.map((_, h) => {
    const near = [-1, 0, 1].flatMap((k) => week[(h + k + 168) % 168] ?? []);
    const longest = Math.max(near.length > 0 ? Math.max(...near) : 0, pooled[h % 24] ?? 0);
    return longest > 0 ? Math.min(1440, Math.ceil(longest / MIN)) : null;
  });
}

/** Local days covered by the history, each as the epoch ms of a moment inside it (noon). */
function days(acts: readonly PlaceEvent[], timezone: string): number[] {
  const out: number[] = [];
  const seen = new Set<string>();
  for (const e of acts) {
    const m = localMoment(e.ts, timezone);
    if (seen.has(m.date)) continue;
    seen.add(m.date);
    out.push(e.ts + (12 * 60 - m.minuteOfDay) * MIN);
  }
  return out;
}

/** The minute of the day by which the senior is up on most mornings (between 04:00 and 13:00). */
function learnWakeTime(acts: readonly PlaceEvent[], o: LearnStillnessOptions): number | undefined {
  const minutes: number[] = [];
  for (const noon of days(acts, o.timezone)) {
    const up = gotUpAt(acts, noon - 8 * 60 * MIN, Math.min(noon + 60 * MIN, o.now), o.bedrooms);
    if (up !== undefined) minutes.push(localMoment(up, o.timezone).minuteOfDay);
  }
  if (minutes.length === 0) return undefined;
  minutes.sort((a, b) => a - b);
  return minutes[Math.floor((minutes.length - 1) * WAKE_QUANTILE)];
}

/**
 * An early usual bedtime (the first quartile): each night, the moment the senior came back to the
 * bedroom from their last trip out of it longer than a short one, between 19:00 and 03:00.
 */
function learnBedTime(acts: readonly PlaceEvent[], o: LearnStillnessOptions): string | undefined {
  const minutes: number[] = [];
  for (const noon of days(acts, o.timezone)) {
    const from = noon + 7 * 60 * MIN;
    const to = noon + 15 * 60 * MIN;
    let tripStart: number | undefined;
    let bed: number | undefined;
    for (const e of acts) {
      if (e.ts < from) continue;
      if (e.ts > to) break;
      if (!o.bedrooms.includes(e.room ?? '')) tripStart ??= e.ts;
      else if (tripStart !== undefined) {
        if (e.ts - tripStart >= SHORT_TRIP_MS) bed = e.ts;
        tripStart = undefined;
      }
    }
    if (bed !== undefined && tripStart === undefined) {
      const m = localMoment(bed, o.timezone).minuteOfDay;
      minutes.push(m < 12 * 60 ? m + 1440 : m);
    }
  }
  if (minutes.length < 3) return undefined;
  minutes.sort((a, b) => a - b);
  return hhmm((minutes[Math.floor((minutes.length - 1) / 4)] as number) % 1440);
}

const hhmm = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

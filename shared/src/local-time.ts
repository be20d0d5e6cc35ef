import { clockTimeToMinutes } from './rules.js';

const MINUTE = 60_000;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** A moment as the senior's wall clock shows it. */
export interface LocalMoment {
  /** Minutes after local midnight, 0..1439. */
  minuteOfDay: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** `YYYY-MM-DD` of the local calendar day. */
  date: string;
}

/** Recent answers by time zone and minute: rules ask about the same few minutes every tick, and Intl is slow. */
const moments = new Map<string, Readonly<LocalMoment>>();

/** Converts epoch milliseconds to the home's local time (DST-aware through Intl). */
export function localMoment(ts: number, timezone: string): Readonly<LocalMoment> {
  // Every time zone's offset is a whole number of minutes, so the answer is the same all minute.
  const key = `${timezone}|${Math.floor(ts / MINUTE)}`;
  const known = moments.get(key);
  if (known) return known;
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(ts)) parts[p.type] = p.value;
  const moment = Object.freeze({
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: Math.max(0, WEEKDAYS.indexOf(parts.weekday ?? 'Mon')),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  });
  if (moments.size >= 4096) moments.clear();
  moments.set(key, moment);
  return moment;
}

/** True when `minuteOfDay` falls in the night window, which may wrap past midnight. */
export function isNightMinute(minuteOfDay: number, night: { start: string; end: string }): boolean {
  const start = clockTimeToMinutes(night.start);
  const end = clockTimeToMinutes(night.end);
  return start <= end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/**
 * Epoch ms of the most recent local `hh:mm` at or before `now`. Computed from the current local
 * offset, so across a DST change on the same night it may be off by the change (an hour), which
 * the rules' margins absorb.
 */
export function lastLocalTime(now: number, hhmm: string, timezone: string): number {
  const current = localMoment(now, timezone).minuteOfDay;
  const target = clockTimeToMinutes(hhmm);
  const back = (current - target + 1440) % 1440;
  return Math.floor(now / MINUTE) * MINUTE - back * MINUTE;
}

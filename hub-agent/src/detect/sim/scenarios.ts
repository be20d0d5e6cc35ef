import {
  isPersonActivity,
  learnStillness,
  type RoutineEvent,
  type RulesConfigInput,
  type StillnessAllowances,
} from '@hearth/shared';
import { FakeClock } from '../../clock.js';
import { createDetector } from '../index.js';
import { type ReplayedDetection, replay } from '../replay.js';
import { type DayChange, eventsOf, type SimulatedDay, simulateSeniorDays } from './days.js';
import { localToEpoch } from './render.js';

/**
 * The scenarios detection is measured on, shared by the scripted-day tests and
 * `npm run bench -- detection`: a senior's first five weeks (the history the cloud learns from),
 * then normal days or incidents on top of a normal day. The home is in London, so the replayed
 * days cross the spring clock change (29 March 2026).
 */

export const TIMEZONE = 'Europe/London';
export const HOME = {
  night: { start: '22:00', end: '07:00' },
  bedrooms: ['bedroom'],
  bathrooms: ['bathroom'],
  outsideDoors: ['door-front'],
};
/** 1 February 2026: five weeks of history, then the replayed days from 8 March. */
const FIRST_DAY = Date.UTC(2026, 1, 1, 12);
export const HISTORY_DAYS = 35;
const MIN = 60_000;

/** What the cloud would learn from these days, as it would send it down. */
export function learnedFrom(days: readonly SimulatedDay[]): StillnessAllowances {
  const last = days[days.length - 1] as SimulatedDay;
  return learnStillness(eventsOf(days), { ...HOME, timezone: TIMEZONE, now: last.end });
}

const historyCache = new Map<number, StillnessAllowances>();

/** What was learned from a senior's history (the same for every incident of that senior). */
function learnedFor(seed: number, history: readonly SimulatedDay[]): StillnessAllowances {
  const known = historyCache.get(seed);
  if (known) return known;
  const learned = learnedFrom(history);
  historyCache.set(seed, learned);
  return learned;
}

/** The rule settings a hub would run for this senior: the home's, plus what was learned. */
export function rulesFor(stillness?: StillnessAllowances): RulesConfigInput {
  return {
    timezone: TIMEZONE,
    night: HOME.night,
    wake: { bedrooms: HOME.bedrooms },
    bathroom: { rooms: HOME.bathrooms },
    nightDoor: { sensorIds: HOME.outsideDoors },
    ...(stillness && { stillness }),
  };
}

/** A senior's history and the days after it; `changes` are keyed by the index of the day after the history. */
export function seniorDays(seed: number, after: number, changes: Record<number, DayChange> = {}) {
  const shifted = Object.fromEntries(Object.entries(changes).map(([k, v]) => [Number(k) + HISTORY_DAYS, v]));
  const days = simulateSeniorDays({
    first: FIRST_DAY,
    days: HISTORY_DAYS + after,
    seed,
    timezone: TIMEZONE,
    changes: shifted,
  });
  return { history: days.slice(0, HISTORY_DAYS), after: days.slice(HISTORY_DAYS) };
}

/** Replays `days` through a fresh detector, started at the first day's start, with `config`. */
export async function replayDays(
  days: readonly SimulatedDay[],
  config: RulesConfigInput,
  events: readonly RoutineEvent[] = eventsOf(days),
): Promise<ReplayedDetection[]> {
  const first = days[0] as SimulatedDay;
  const clock = new FakeClock(first.start);
  const detector = createDetector({ clock, config });
  return replay(detector, clock, events, {
    from: first.start,
    to: (days[days.length - 1] as SimulatedDay).end,
  });
}

/** An incident class from the care service's table, on top of a normal day. */
export interface Incident {
  name: string;
  /** Local minute of the incident day it happens. */
  minute: number;
  change: DayChange;
  /** Further edits to the incident day's events (a door left open, a room gone cold…). */
  edit?: (events: RoutineEvent[], day: SimulatedDay) => RoutineEvent[];
  /** The alert that should come first, or null when nothing should be raised. */
  expect: string | null;
}

const personal = (e: RoutineEvent) => isPersonActivity(e);

export const INCIDENTS: Incident[] = [
  {
    name: 'fall in the hall at 19:00',
    minute: 19 * 60,
    change: { stop: { minute: 1140, room: 'hall' } },
    expect: 'inactivity',
  },
  {
    name: 'fall in the living room at 20:30',
    minute: 20 * 60 + 30,
    change: { stop: { minute: 1230, room: 'living' } },
    expect: 'inactivity',
  },
  {
    name: 'collapse in the kitchen at 10:30',
    minute: 10 * 60 + 30,
    change: { stop: { minute: 630, room: 'kitchen' } },
    expect: 'inactivity',
  },
  {
    name: 'fall at 06:30, just after getting up',
    minute: 6 * 60 + 30,
    change: { wakeAt: 6 * 60 + 15, stop: { minute: 390, room: 'hall' } },
    expect: 'inactivity',
  },
  {
    name: 'bathroom fall at 14:00',
    minute: 14 * 60,
    change: { stop: { minute: 840, room: 'bathroom' } },
    expect: 'bathroom_too_long',
  },
  {
    name: 'out shopping for 4 hours',
    minute: 11 * 60,
    change: { outing: { start: 660, minutes: 240 } },
    expect: null,
  },
  {
    name: 'goes out at 11:00 and does not come back',
    minute: 11 * 60,
    change: { outing: { start: 660, minutes: 120 } },
    // Everything the senior would have done after the door closed behind them is gone.
    edit: (events, day) => {
      const from = localToEpoch(day.noon, 655, TIMEZONE);
      const left = events.find((e) => e.sensorId === 'door-front' && e.value === false && e.ts >= from);
      return events.filter((e) => !personal(e) || e.ts <= (left?.ts ?? from));
    },
    expect: 'out_too_long',
  },
  {
    name: 'front door opened at 21:30 and left open',
    minute: 22 * 60,
    change: {},
    edit: (events, day) => {
      const opened = localToEpoch(day.noon, 21 * 60 + 30, TIMEZONE);
      const kept = events.filter((e) => e.sensorId !== 'door-front' || e.ts < opened);
      kept.push({ ts: opened, sensorId: 'door-front', kind: 'contact', value: true, room: 'hall' });
      return kept.sort((a, b) => a.ts - b.ts);
    },
    expect: 'door_open_at_night',
  },
  {
    name: 'toilet at 05:20, back to bed, does not get up',
    minute: 5 * 60 + 20,
    change: { wakeAt: 720, stop: { minute: 329, room: 'bedroom' } },
    edit: (events, day) => {
      const at = (m: number) => localToEpoch(day.noon, m, TIMEZONE);
      const trip = [
        ['hall', 320],
        ['bathroom', 321],
        ['bathroom', 324],
        ['hall', 328],
      ] as const;
      const kept = events.filter((e) => !personal(e) || e.ts < at(319) || e.ts >= at(329));
      for (const [room, m] of trip)
        kept.push({ ts: at(m), sensorId: `pir-${room}`, kind: 'motion', value: true, room });
      return kept.sort((a, b) => a.ts - b.ts);
    },
    expect: 'not_up',
  },
];

/** What happened on an incident day: the first alert after the incident, and how long it took. */
export interface IncidentOutcome {
  name: string;
  expected: string | null;
  /** The first alert raised after the incident, if any, and its delay in minutes. */
  first?: { kind: string; severity: string; delayMinutes: number; message: string };
  /** Every alert raised from the incident to the end of the next day. */
  raised: ReplayedDetection[];
  /** Those raised from the incident to the end of its day. */
  sameDay: ReplayedDetection[];
}

/**
 * Plays a senior's incident: learns from their history, then replays the normal day before and
 * the incident day (and the day after) through a fresh detector with what was learned.
 */
export async function playIncident(incident: Incident, seed: number, learn = true): Promise<IncidentOutcome> {
  const { history, after } = seniorDays(seed, 3, { 1: incident.change });
  const [before, day, next] = after as [SimulatedDay, SimulatedDay, SimulatedDay];
  const dayEvents = incident.edit ? incident.edit(day.events, day) : day.events;
  const events = [...before.events, ...dayEvents, ...next.events];
  const config = rulesFor(learn ? learnedFor(seed, history) : undefined);
  const raised = await replayDays([before, day, next], config, events);
  const at = localToEpoch(day.noon, incident.minute, TIMEZONE);
  const since = raised.filter((r) => r.at >= at);
  const first = since[0];
  return {
    name: incident.name,
    expected: incident.expect,
    raised: since,
    sameDay: since.filter((r) => r.at < day.end),
    ...(first && {
      first: {
        kind: first.detection.kind,
        severity: first.detection.severity,
        delayMinutes: Math.round((first.at - at) / MIN),
        message: first.detection.message,
      },
    }),
  };
}

import type { SensorKind } from './events.js';
import { clockTimeToMinutes } from './rules.js';

/**
 * A scripted day in a one-bedroom home, for the simulated home, the demo and tests of detection
 * and training. Deterministic for a given seed. Times are minutes after the day's start
 * (`dayStart`, the local midnight as epoch ms).
 *
 * Sensors: `pir-<room>` motion in bedroom, bathroom, kitchen, living, entrance; `door-front`
 * contact (true = open); `temp-<room>` temperature; `pendant-1` button; `node-1` heartbeat;
 * `robot-1` robot status.
 */
export interface RoutineEvent {
  ts: number;
  sensorId: string;
  kind: SensorKind;
  value: number | boolean | string | null;
  room?: string;
}

/** Departures from the usual routine; an empty script is a normal day. */
export interface DayScript {
  /** Gets up at this time instead of about 07:00. */
  wakeAt?: string;
  /** Never goes into the kitchen (meals skipped). */
  noKitchen?: boolean;
  /** The morning bathroom visit lasts this many minutes instead of about 15. */
  bathroomStayMinutes?: number;
  /** Walks around the home from 01:00 to 04:00. */
  nightWandering?: boolean;
  /** Falls and lies still from this time on. */
  fallAt?: string;
  /** Presses the pendant at this time. */
  pendantAt?: string;
  /** Goes out through the front door at this time and does not come back. */
  leavesAt?: string;
  /** Opens the front door at this time and leaves it open (then goes back to bed). */
  doorLeftOpenAt?: string;
  /** The living room is 13 °C from this time on. */
  coldFrom?: string;
  /** The kitchen motion sensor reports itself unavailable at this time. */
  sensorDownAt?: string;
  /** The heartbeat node stops at this time. */
  heartbeatStopsAt?: string;
  /** The robot goes offline at this time. */
  robotOfflineAt?: string;
}

export const ROUTINE_ROOMS = ['bedroom', 'bathroom', 'kitchen', 'living', 'entrance'] as const;

const MIN = 60_000;

/** Small seeded PRNG (mulberry32) so a simulated month is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulateDay(dayStart: number, seed: number, script: DayScript = {}): RoutineEvent[] {
  const rnd = seededRandom(seed);
  const jitter = (spread: number) => (rnd() * 2 - 1) * spread;
  const at = (hhmm: string) => clockTimeToMinutes(hhmm);
  const events: RoutineEvent[] = [];
  const motion = (room: string, minute: number) =>
    events.push({
      ts: dayStart + Math.round(minute * MIN),
      sensorId: `pir-${room}`,
      kind: 'motion',
      value: true,
      room,
    });
  const stay = (room: string, from: number, to: number, every: number) => {
    for (let m = from; m < to; m += Math.max(1, every + jitter(every / 3))) motion(room, m);
  };
  const door = (minute: number, open: boolean) =>
    events.push({
      ts: dayStart + Math.round(minute * MIN),
      sensorId: 'door-front',
      kind: 'contact',
      value: open,
      room: 'entrance',
    });

  // Night: one short bathroom visit on about half the nights; wandering when scripted.
  if (rnd() < 0.5) {
    const t = 120 + jitter(40);
    motion('bedroom', t);
    stay('bathroom', t + 1, t + 7, 2);
    motion('bedroom', t + 8);
  }
  if (script.nightWandering) {
    let t = 60;
    for (; t < 240; t += 5 + jitter(2)) motion(ROUTINE_ROOMS[1 + Math.floor(rnd() * 4)] as string, t);
    // ...and finds the way back to bed: restless, not fallen.
    motion('bedroom', t);
  }

  const wake = script.wakeAt ? at(script.wakeAt) : 420 + jitter(20);
  const bath = script.bathroomStayMinutes ?? 15 + jitter(4);
  const meal = (room: string, from: number, to: number) =>
    script.noKitchen ? stay('living', from, to, 10) : stay(room, from, to, 4);
  motion('bedroom', wake);
  stay('bathroom', wake + 3, wake + 3 + bath, 3);
  let t = wake + 4 + bath;
  meal('kitchen', t, t + 35);
  t += 36;
  stay('living', t, 720, 10);
  meal('kitchen', 720 + jitter(10), 765);
  stay('living', 766, 900, 12);
  // An afternoon walk: out through the front door and back an hour later.
  motion('entrance', 900);
  door(901, true);
  door(902, false);
  door(960 + jitter(10), true);
  door(972, false);
  motion('entrance', 973);
  stay('living', 975, 1080, 10);
  meal('kitchen', 1080 + jitter(10), 1125);
  stay('living', 1126, 1290, 10);
  stay('bathroom', 1290 + jitter(5), 1305, 3);
  stay('bedroom', 1306, 1335 + jitter(10), 5);

  for (let m = 0; m < 1440; m += 30) {
    for (const room of ['bedroom', 'living', 'kitchen']) {
      const cold = room === 'living' && script.coldFrom !== undefined && m >= at(script.coldFrom);
      const value = Math.round((cold ? 13 : 20.5 + jitter(1)) * 10) / 10;
      events.push({
        ts: dayStart + (m + 1) * MIN,
        sensorId: `temp-${room}`,
        kind: 'temperature',
        value,
        room,
      });
    }
  }
  const heartbeatEnd = script.heartbeatStopsAt ? at(script.heartbeatStopsAt) : 1440;
  for (let m = 5; m < heartbeatEnd; m += 10) {
    events.push({
      ts: dayStart + m * MIN,
      sensorId: 'node-1',
      kind: 'heartbeat',
      value: true,
      room: 'living',
    });
  }

  const personal = new Set<SensorKind>(['motion', 'contact', 'button', 'pressure']);
  let personGoneFrom = Number.POSITIVE_INFINITY;
  if (script.fallAt) personGoneFrom = at(script.fallAt);
  if (script.leavesAt) {
    const out = at(script.leavesAt);
    motion('entrance', out - 1);
    door(out, true);
    door(out + 1, false);
    personGoneFrom = out + 2;
  }
  if (script.doorLeftOpenAt) {
    const open = at(script.doorLeftOpenAt);
    motion('entrance', open - 1);
    door(open, true);
    stay('bedroom', open + 2, open + 6, 2);
    personGoneFrom = Math.min(personGoneFrom, open + 7);
  }
  let kept = events.filter((e) => !personal.has(e.kind) || e.ts < dayStart + personGoneFrom * MIN);
  if (script.sensorDownAt) {
    const down = dayStart + at(script.sensorDownAt) * MIN;
    kept = kept.filter((e) => e.sensorId !== 'pir-kitchen' || e.ts < down);
    kept.push({ ts: down, sensorId: 'pir-kitchen', kind: 'availability', value: false, room: 'kitchen' });
  }
  if (script.pendantAt) {
    kept.push({
      ts: dayStart + at(script.pendantAt) * MIN,
      sensorId: 'pendant-1',
      kind: 'button',
      value: true,
      room: 'living',
    });
  }
  if (script.robotOfflineAt) {
    kept.push({
      ts: dayStart + at(script.robotOfflineAt) * MIN,
      sensorId: 'robot-1',
      kind: 'robot',
      value: 'offline',
    });
  }
  return kept.filter((e) => e.ts >= dayStart && e.ts < dayStart + 1440 * MIN).sort((a, b) => a.ts - b.ts);
}

/** Consecutive normal days from `firstDay` (local midnight, epoch ms), e.g. a month of history. */
export function simulateDays(firstDay: number, days: number, seed = 1): RoutineEvent[] {
  const out: RoutineEvent[] = [];
  for (let d = 0; d < days; d++) out.push(...simulateDay(firstDay + d * 1440 * MIN, seed * 1000 + d));
  return out;
}

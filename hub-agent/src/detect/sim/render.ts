import { localMoment, type RoutineEvent, seededRandom } from '@hearth/shared';
import { HOME_ROOMS, type Mode, type Segment } from './senior-day.js';

const MIN = 60_000;

/** Mean minutes between two detections by a motion sensor, by what the senior is doing. */
const MEAN_GAP: Record<Exclude<Mode, 'nap' | 'doze' | 'out'>, number> = {
  sleep: 80, // turning over in bed
  active: 1.6,
  seated: 6, // television, reading: a PIR sees a shift in the chair every few minutes
  social: 2.5,
};

/** Epoch ms of local wall-clock `minute` on the local day that contains `noon` (DST-aware). */
export function localToEpoch(noon: number, minute: number, timezone: string): number {
  const at = localMoment(noon, timezone);
  let guess = noon + (minute - at.minuteOfDay) * MIN;
  // Across a clock change the offset at `guess` differs from noon's; one correction settles it.
  const m = localMoment(guess, timezone);
  const dayShift = m.date === at.date ? 0 : m.date > at.date ? 1440 : -1440;
  guess += (Math.floor(minute) - (m.minuteOfDay + dayShift)) * MIN;
  return Math.round(guess);
}

/** The senior stops moving for good (a fall, a collapse) at this minute, last seen in this room. */
export interface Stop {
  minute: number;
  room: string;
}

/**
 * The sensor events of one planned day: motion in each room as a PIR would see it (some
 * movements missed, stillness unseen), the front door, and room temperatures every 15 minutes.
 */
export function renderDay(
  segments: readonly Segment[],
  day: { noon: number; timezone: string; seed: number; stop?: Stop },
): RoutineEvent[] {
  const rnd = seededRandom(day.seed ^ 0x5bd1e995);
  const exp = (mean: number) => -mean * Math.log(Math.max(1e-9, rnd()));
  const at = (minute: number) => localToEpoch(day.noon, minute, day.timezone);
  const events: RoutineEvent[] = [];
  const motion = (room: string, minute: number) =>
    events.push({ ts: at(minute), sensorId: `pir-${room}`, kind: 'motion', value: true, room });
  const door = (minute: number) => {
    events.push({ ts: at(minute), sensorId: 'door-front', kind: 'contact', value: true, room: 'hall' });
    events.push({
      ts: at(minute + 0.5),
      sensorId: 'door-front',
      kind: 'contact',
      value: false,
      room: 'hall',
    });
  };

  segments.forEach((s, i) => {
    const prev = segments[i - 1];
    if (s.mode === 'out') {
      door(s.from);
      if (s.to < 1440) door(s.to);
      return;
    }
    for (const d of s.doors ?? []) door(d);
    const from = prev?.mode === 'out' ? s.from + 0.8 : s.from;
    if (s.mode === 'nap' || s.mode === 'doze') {
      motion(s.room, from);
      if (rnd() < 0.3) motion(s.room, from + (s.to - from) * (0.3 + 0.4 * rnd()));
      return;
    }
    const mean = MEAN_GAP[s.mode];
    // A short pass through a room is seen most of the time, not always.
    if (s.to - from < 1.5) {
      if (rnd() < 0.9) motion(s.room, from + rnd() * (s.to - from));
      return;
    }
    // Walking in is seen; after that it depends on what they do (asleep from midnight: nothing to walk in).
    const first = i === 0 ? from + exp(mean) : from + rnd() * 0.5;
    for (let m = first; m < s.to; m += Math.max(0.4, exp(mean))) motion(s.room, m);
  });

  for (let m = 0; m < 1440; m += 15) {
    for (const room of HOME_ROOMS) {
      if (room === 'hall') continue;
      const night = m < 360 || m > 1380;
      const value = Math.round(((night ? 18 : 20.5) + (rnd() * 2 - 1)) * 10) / 10;
      events.push({ ts: at(m + 2), sensorId: `temp-${room}`, kind: 'temperature', value, room });
    }
  }

  let kept = events;
  if (day.stop) {
    const stopTs = at(day.stop.minute);
    kept = events.filter((e) => e.kind === 'temperature' || e.ts < stopTs);
    // Not left with the door open; last seen where it happened.
    kept.push({
      ts: stopTs,
      sensorId: `pir-${day.stop.room}`,
      kind: 'motion',
      value: true,
      room: day.stop.room,
    });
  }
  const start = at(0);
  const end = at(1440);
  return kept.filter((e) => e.ts >= start && e.ts < end).sort((a, b) => a.ts - b.ts);
}

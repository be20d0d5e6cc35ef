import { seededRandom } from '@hearth/shared';

/**
 * A plausible day of an older person living alone, as where they are minute by minute, for
 * replaying detection against. Written from how such days go (a lie-in at the weekend, night
 * toilet trips, a nap after lunch, shopping, a visitor, television until bed), not from the rules'
 * settings. Deterministic for a seed. Rendering into sensor events is `renderDay`.
 */

/** What the senior is doing, which decides how often a motion sensor sees them. */
export type Mode = 'sleep' | 'active' | 'seated' | 'social' | 'nap' | 'doze' | 'out';

/** One stretch of the day in one room; minutes after local midnight. */
export interface Segment {
  room: string;
  mode: Mode;
  from: number;
  to: number;
  /** Moments the front door is opened (and closed a little later) within this stretch. */
  doors?: number[];
}

/** Departures from a drawn day, for incidents on top of normal days. */
export interface DayOverrides {
  /** Gets up at this minute instead of the drawn time. */
  wakeAt?: number;
  /** Goes out at `start` for `minutes` (instead of the drawn outings). */
  outing?: { start: number; minutes: number };
  /** No outing, visitor or nap today. */
  quiet?: boolean;
}

export const HOME_ROOMS = ['bedroom', 'bathroom', 'kitchen', 'living', 'hall'] as const;

export function planDay(seed: number, weekend: boolean, overrides: DayOverrides = {}): Segment[] {
  const rnd = seededRandom(seed);
  const uniform = (a: number, b: number) => a + rnd() * (b - a);
  const normal = (mean: number, sd: number) => {
    const u = Math.max(1e-9, rnd());
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  const out: Segment[] = [];
  let t = 0;
  const go = (room: string, mode: Mode, minutes: number, doors?: number[]) => {
    const from = t;
    t += Math.max(0.5, minutes);
    out.push({ room, mode, from, to: t, ...(doors && { doors }) });
  };
  const until = (room: string, mode: Mode, end: number) => {
    if (end > t) go(room, mode, end - t);
  };
  /** Sitting in the living room until `end`, getting up now and then for tea, the toilet or a book. */
  const homeUntil = (end: number) => {
    while (t < end - 5) {
      const sit = Math.min(end - t, uniform(25, 110));
      until('living', rnd() < 0.85 ? 'seated' : 'active', t + sit);
      if (t >= end - 5) break;
      const r = rnd();
      const errand = r < 0.4 ? 'kitchen' : r < 0.75 ? 'bathroom' : r < 0.9 ? 'bedroom' : 'hall';
      go('hall', 'active', uniform(0.3, 1));
      go(errand, 'active', uniform(2, 9));
      go('hall', 'active', uniform(0.3, 1));
    }
    until('living', 'seated', end);
  };

  const wake = overrides.wakeAt ?? clamp(normal(425 + (weekend ? 30 : 0), 22), 340, 560);
  const bed = clamp(normal(1335, 28), 1250, 1425);

  // Night: asleep, up for the toilet 0–3 times, the last sometimes not long before getting up.
  const trips: number[] = [];
  const tripCount = [0, 1, 1, 1, 2, 2, 3][Math.floor(rnd() * 7)] as number;
  for (let i = 0; i < tripCount; i++) trips.push(uniform(40, wake - 25));
  trips.sort((a, b) => a - b);
  for (const trip of trips) {
    if (trip < t + 20) continue;
    until('bedroom', 'sleep', trip);
    go('hall', 'active', uniform(0.2, 0.6));
    go('bathroom', 'active', uniform(2, 8));
    go('hall', 'active', uniform(0.2, 0.6));
  }
  until('bedroom', 'sleep', wake);

  // Morning routine.
  go('bedroom', 'active', uniform(2, 8));
  go('hall', 'active', 0.5);
  go('bathroom', 'active', uniform(10, 25));
  go('bedroom', 'active', uniform(5, 12));
  go('hall', 'active', 0.5);
  go('kitchen', 'active', uniform(20, 40));

  // Fixed points of the day, then everything else around them.
  const lunch = normal(725, 20);
  const dinner = normal(1085, 25);
  type Plan = { start: number; end: number; kind: 'out' | 'visit' | 'nap' | 'doze' | 'lunch' | 'dinner' };
  const plans: Plan[] = [
    { start: lunch, end: lunch + uniform(25, 45), kind: 'lunch' },
    { start: dinner, end: dinner + uniform(30, 50), kind: 'dinner' },
  ];
  const fits = (p: Plan) =>
    p.start > t + 10 && p.end < bed - 20 && plans.every((q) => p.end + 10 < q.start || p.start > q.end + 10);
  const add = (p: Plan) => {
    if (fits(p)) plans.push(p);
  };
  if (overrides.outing) {
    const { start, minutes } = overrides.outing;
    plans.splice(
      0,
      plans.length,
      ...plans.filter((q) => q.end + 10 < start || q.start > start + minutes + 10),
    );
    plans.push({ start, end: start + minutes, kind: 'out' });
  } else if (!overrides.quiet) {
    if (rnd() < 0.6) {
      const r = rnd();
      const minutes = r < 0.6 ? uniform(40, 120) : r < 0.9 ? uniform(120, 200) : uniform(200, 250);
      const start = uniform(560, 900);
      // Shopping over lunch: lunch is eaten out.
      const lunchOut = plans.findIndex(
        (q) => q.kind === 'lunch' && q.start < start + minutes && q.end > start,
      );
      if (lunchOut >= 0 && start + minutes < dinner - 30) plans.splice(lunchOut, 1);
      add({ start, end: start + minutes, kind: 'out' });
    }
    if (rnd() < 0.15) {
      const start = uniform(960, 1140);
      add({ start, end: start + uniform(8, 25), kind: 'out' });
    }
    if (rnd() < (weekend ? 0.35 : 0.2)) {
      const start = uniform(840, 1020);
      add({ start, end: start + uniform(45, 150), kind: 'visit' });
    }
  }
  if (!overrides.quiet && rnd() < 0.55) {
    const start = (plans.find((q) => q.kind === 'lunch')?.end ?? lunch + 40) + uniform(5, 30);
    add({ start, end: start + uniform(30, 110), kind: 'nap' });
  }
  if (!overrides.quiet && rnd() < 0.15) {
    const start = uniform(1170, bed - 60);
    add({ start, end: start + uniform(15, 40), kind: 'doze' });
  }
  plans.sort((a, b) => a.start - b.start);

  const napRoom = rnd() < 0.7 ? 'living' : 'bedroom';
  for (const p of plans) {
    // A morning that ran late pushes the plan back, or (when it no longer fits) drops it.
    if (p.end < t + 10) continue;
    homeUntil(Math.max(p.start, t));
    if (p.kind === 'lunch' || p.kind === 'dinner') {
      go('hall', 'active', 0.5);
      until('kitchen', 'active', p.end);
      go('hall', 'active', 0.5);
    } else if (p.kind === 'out') {
      go('hall', 'active', uniform(1, 3));
      until('outside', 'out', p.end);
      go('hall', 'active', uniform(1, 3));
    } else if (p.kind === 'visit') {
      go('hall', 'active', 2, [t + 0.8]);
      until('living', 'social', p.end);
      go('hall', 'active', 2, [t + 0.8]);
    } else if (p.kind === 'nap') {
      if (napRoom === 'bedroom') go('hall', 'active', 0.5);
      until(napRoom, 'nap', p.end);
      if (napRoom === 'bedroom') go('hall', 'active', 0.5);
    } else {
      until('living', 'doze', p.end);
    }
  }
  homeUntil(bed - 15);
  go('hall', 'active', 0.5);
  go('bathroom', 'active', uniform(6, 14));
  go('hall', 'active', 0.5);
  go('bedroom', 'active', uniform(4, 10));
  until('bedroom', 'sleep', 1440);
  return out;
}

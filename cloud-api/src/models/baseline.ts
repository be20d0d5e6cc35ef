import {
  behaviourFeatureCount,
  computeFeatures,
  type FeatureEvent,
  type FeatureSpec,
  featureNames,
  HOURS_PER_WEEK,
} from '@hearth/shared';

/** A senior's usual routine: per hour of the week, the mean and spread of every behaviour feature. */
export interface Baseline {
  spec: FeatureSpec;
  /** Behaviour feature names, in vector order. */
  names: string[];
  /** `mean[h * B + i]`: usual value of feature i at hour-of-week h (B = behaviour features). */
  mean: Float64Array;
  /** Spread matching `mean`, never below the feature's floor (so one quiet hour cannot divide by zero). */
  std: Float64Array;
  /** Score above which a window is unusual for this senior, calibrated on their own history. */
  threshold: number;
  /** Windows the baseline was fitted on. */
  samples: number;
  /** Time span of the history used, ms since the epoch. */
  from: number;
  to: number;
}

export interface FitOptions {
  /** The senior's IANA time zone: hours of the week are local hours. */
  timezone: string;
  /** Length of the window one feature vector describes. */
  windowMinutes?: number;
  /** Length of the longer window that catches skipped meals and unused rooms. */
  longWindowMinutes?: number;
  /** Distance between two training windows. */
  stepMinutes?: number;
  /** Fewest days of history worth a model; less throws `TrainingError` (`NOT_ENOUGH_HISTORY`). */
  minDays?: number;
}

/** Training refused, with a code a caller can act on. */
export class TrainingError extends Error {
  constructor(
    readonly code: 'NOT_ENOUGH_HISTORY' | 'NO_ROOMS' | 'UNKNOWN_SENIOR',
    message: string,
  ) {
    super(message);
  }
}

const MIN = 60_000;
/** Weight, in samples, of the hour-of-day pattern blended into each hour-of-week: a month has ~4 of each weekday. */
const SHRINK = 24;
const MAX_ROOMS = 32;
/**
 * The score is the root mean square of the TOP_K largest squared deviations: a day that breaks
 * the routine in two or three ways should not be averaged away by the features that are normal.
 */
export const TOP_K = 3;
/** Headroom above the strangest ordinary day seen out of sample. */
const THRESHOLD_MARGIN = 1.1;
const MIN_THRESHOLD = 2;
const ORDINARY_DAY_QUANTILE = 0.9;

/** Smallest spread each feature may have, in its own units (log-counts, minutes). */
function stdFloor(name: string): number {
  if (name.startsWith('presence:')) return 6;
  if (name === 'idle_minutes') return 15;
  return 0.35;
}

/**
 * Fits the baseline from a senior's history. `events` must be in time order. Every
 * `stepMinutes` the window ending then becomes one sample; samples are grouped by local hour of
 * the week, blended with the same hour on every other day so a month of history is enough.
 * @throws TrainingError when the history is too short or has no motion in any room.
 */
export function fitBaseline(events: readonly FeatureEvent[], options: FitOptions): Baseline {
  const windowMinutes = options.windowMinutes ?? 60;
  const step = (options.stepMinutes ?? 10) * MIN;
  const first = events[0];
  const last = events[events.length - 1];
  const days = first && last ? (last.ts - first.ts) / (1440 * MIN) : 0;
  const minDays = options.minDays ?? 7;
  if (days < minDays) {
    throw new TrainingError(
      'NOT_ENOUGH_HISTORY',
      `need at least ${minDays} days of history, have ${days.toFixed(1)}`,
    );
  }
  const rooms = roomsOf(events);
  if (rooms.length === 0) throw new TrainingError('NO_ROOMS', 'the history has no motion in any room');
  const spec: FeatureSpec = {
    version: 1,
    windowMinutes,
    longWindowMinutes: options.longWindowMinutes ?? 180,
    rooms,
    timezone: options.timezone,
  };
  const names = featureNames(spec);
  const B = behaviourFeatureCount(spec);

  const samples: Sample[] = [];
  const warmUp = Math.max(windowMinutes, spec.longWindowMinutes) + 60;
  const start = Math.ceil(((first as FeatureEvent).ts + warmUp * MIN) / step) * step;
  for (let t = start; t <= (last as FeatureEvent).ts; t += step) {
    const x = computeFeatures(spec, events, t);
    samples.push({ t, x, hour: hourIndex(x, B) });
  }

  const { mean, std } = fitStats(samples, names);
  const baseline: Baseline = {
    spec,
    names,
    mean,
    std,
    threshold: 0,
    samples: samples.length,
    from: (first as FeatureEvent).ts,
    to: (last as FeatureEvent).ts,
  };
  baseline.threshold = calibrate(samples, baseline);
  return baseline;
}

interface Sample {
  t: number;
  x: Float32Array;
  hour: number;
}

/** Mean and spread per hour of the week, each blended towards the same hour of the day. */
function fitStats(
  samples: readonly Sample[],
  names: readonly string[],
): { mean: Float64Array; std: Float64Array } {
  const B = names.length;
  const sumHow = new Float64Array(HOURS_PER_WEEK * B);
  const sqHow = new Float64Array(HOURS_PER_WEEK * B);
  const nHow = new Float64Array(HOURS_PER_WEEK);
  for (const { x, hour: h } of samples) {
    nHow[h] = (nHow[h] as number) + 1;
    for (let i = 0; i < B; i++) {
      const v = x[i] as number;
      sumHow[h * B + i] = (sumHow[h * B + i] as number) + v;
      sqHow[h * B + i] = (sqHow[h * B + i] as number) + v * v;
    }
  }

  const sumHod = new Float64Array(24 * B);
  const sqHod = new Float64Array(24 * B);
  const nHod = new Float64Array(24);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const d = h % 24;
    nHod[d] = (nHod[d] as number) + (nHow[h] as number);
    for (let i = 0; i < B; i++) {
      sumHod[d * B + i] = (sumHod[d * B + i] as number) + (sumHow[h * B + i] as number);
      sqHod[d * B + i] = (sqHod[d * B + i] as number) + (sqHow[h * B + i] as number);
    }
  }

  const mean = new Float64Array(HOURS_PER_WEEK * B);
  const std = new Float64Array(HOURS_PER_WEEK * B);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const d = h % 24;
    const n = nHow[h] as number;
    const nd = Math.max(1, nHod[d] as number);
    for (let i = 0; i < B; i++) {
      const k = h * B + i;
      const prior = (sumHod[d * B + i] as number) / nd;
      const priorSq = (sqHod[d * B + i] as number) / nd;
      // Blend first and second moments, so the spread includes how far this hour differs from the prior.
      const m = ((sumHow[k] as number) + SHRINK * prior) / (n + SHRINK);
      const sq = ((sqHow[k] as number) + SHRINK * priorSq) / (n + SHRINK);
      mean[k] = m;
      std[k] = Math.max(stdFloor(names[i] as string), Math.sqrt(Math.max(0, sq - m * m)));
    }
  }
  return { mean, std };
}

/**
 * The threshold must hold on days the model has not seen, so it is set out of sample: each week
 * in turn is scored by a baseline fitted on the other weeks, and the threshold sits a margin
 * above the daily peak that 90 % of ordinary days stay under.
 */
function calibrate(samples: readonly Sample[], full: Baseline): number {
  const week = (t: number) => Math.floor((t - (samples[0] as Sample).t) / (7 * 1440 * MIN));
  const weeks = week((samples[samples.length - 1] as Sample).t) + 1;
  const dailyMax = new Map<number, number>();
  const record = (s: Sample, score: number) => {
    const day = Math.floor(s.t / (1440 * MIN));
    dailyMax.set(day, Math.max(dailyMax.get(day) ?? 0, score));
  };
  if (weeks < 2) {
    for (const s of samples) record(s, scoreWithBaseline(full, s.x).score);
  } else {
    for (let w = 0; w < weeks; w++) {
      const fold = {
        ...full,
        ...fitStats(
          samples.filter((s) => week(s.t) !== w),
          full.names,
        ),
      };
      for (const s of samples) if (week(s.t) === w) record(s, scoreWithBaseline(fold, s.x).score);
    }
  }
  // Not the single worst day: one odd day in the history (a visitor, a trip) would blunt the model for good.
  const maxima = [...dailyMax.values()].sort((a, b) => a - b);
  const typicalBadDay = maxima[Math.floor((maxima.length - 1) * ORDINARY_DAY_QUANTILE)] ?? MIN_THRESHOLD;
  return Math.max(MIN_THRESHOLD, typicalBadDay * THRESHOLD_MARGIN);
}

/**
 * The same arithmetic as the ONNX graph, in TypeScript: used to calibrate the threshold and to
 * check the written model reproduces it.
 */
export function scoreWithBaseline(
  baseline: Baseline,
  x: Float32Array,
): { score: number; contributions: Float64Array; expected: Float64Array } {
  const B = baseline.names.length;
  const h = hourIndex(x, B);
  const contributions = new Float64Array(B);
  const expected = new Float64Array(B);
  const squares: number[] = [];
  for (let i = 0; i < B; i++) {
    const m = baseline.mean[h * B + i] as number;
    const z = ((x[i] as number) - m) / (baseline.std[h * B + i] as number);
    expected[i] = m;
    contributions[i] = z;
    squares.push(z * z);
  }
  const k = Math.min(TOP_K, B);
  const top = squares.sort((a, b) => b - a).slice(0, k);
  return { score: Math.sqrt(top.reduce((a, b) => a + b, 0) / k), contributions, expected };
}

function hourIndex(x: Float32Array, B: number): number {
  for (let h = 0; h < HOURS_PER_WEEK; h++) if (x[B + h] === 1) return h;
  return 0;
}

/** Rooms with motion, the busiest first up to the limit, then in name order for a stable layout. */
function roomsOf(events: readonly FeatureEvent[]): string[] {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'motion' && e.value === true && e.room) counts.set(e.room, (counts.get(e.room) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_ROOMS)
    .map(([room]) => room)
    .sort();
}

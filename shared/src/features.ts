import { z } from 'zod';
import { localMoment } from './local-time.js';

/**
 * The feature vector the senior's model reads: defined once here, used by the cloud's trainer
 * and by the hub at inference, so both build exactly the same numbers from the same events.
 *
 * Layout, for `rooms = [r1..rN]` (all over the `windowMinutes` ending at `now`):
 *   motion:<r>    log(1 + motion detections in room r)
 *   presence:<r>  minutes the senior was (last seen) in room r
 *   recent:<r>    log(1 + motion detections in room r over the longer `longWindowMinutes`), so a
 *                 skipped meal or an unused room shows even when the short window is ambiguous
 *   transitions   log(1 + moves from one room to another)
 *   door_opens    log(1 + openings of any contact sensor)
 *   idle_minutes  minutes since the last activity anywhere, capped at 4 windows
 *   how:<0..167>  one-hot local hour of the week (0 = Monday 00:00)
 */
export const FeatureSpec = z.object({
  version: z.literal(1),
  windowMinutes: z.number().int().min(10).max(360),
  longWindowMinutes: z.number().int().min(10).max(720),
  rooms: z.array(z.string().min(1).max(64)).min(1).max(32),
  timezone: z.string().min(1),
});
export type FeatureSpec = z.infer<typeof FeatureSpec>;

export const HOURS_PER_WEEK = 168;

/** The minimal shape of an event features are computed from (hub and cloud map theirs to it). */
export interface FeatureEvent {
  /** ms since the epoch */
  ts: number;
  kind: string;
  value: unknown;
  room?: string | null | undefined;
}

/** Number of behaviour features (everything before the hour-of-week one-hot). */
export function behaviourFeatureCount(spec: FeatureSpec): number {
  return spec.rooms.length * 3 + 3;
}

export function featureCount(spec: FeatureSpec): number {
  return behaviourFeatureCount(spec) + HOURS_PER_WEEK;
}

/** Names of the behaviour features, in vector order. */
export function featureNames(spec: FeatureSpec): string[] {
  return [
    ...spec.rooms.map((r) => `motion:${r}`),
    ...spec.rooms.map((r) => `presence:${r}`),
    ...spec.rooms.map((r) => `recent:${r}`),
    'transitions',
    'door_opens',
    'idle_minutes',
  ];
}

/** Local hour of the week, 0 = Monday 00:00 … 167 = Sunday 23:00. */
export function hourOfWeek(ts: number, timezone: string): number {
  const m = localMoment(ts, timezone);
  return m.weekday * 24 + Math.floor(m.minuteOfDay / 60);
}

const isMotion = (e: FeatureEvent) => e.kind === 'motion' && e.value === true && !!e.room;
const isActivity = (e: FeatureEvent) =>
  isMotion(e) || e.kind === 'contact' || (e.kind === 'button' && e.value === true);

/** Index of the first event at or after `ts` in time-ordered events. */
function lowerBound(events: readonly FeatureEvent[], ts: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((events[mid] as FeatureEvent).ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Builds the feature vector for the window ending at `now`. `events` must be in time order and
 * should reach back before the window (the room the senior was in when it began, the last
 * activity); events after `now` are ignored. Rooms not in the spec count only as "elsewhere".
 */
export function computeFeatures(
  spec: FeatureSpec,
  events: readonly FeatureEvent[],
  now: number,
): Float32Array {
  const n = spec.rooms.length;
  const out = new Float32Array(featureCount(spec));
  const windowMs = spec.windowMinutes * 60_000;
  const start = now - windowMs;
  const roomIndex = new Map(spec.rooms.map((r, i) => [r, i]));
  const end = lowerBound(events, now + 1);
  const first = lowerBound(events, start);

  // Where the senior was when the window opened, and the last activity before it.
  let location: string | undefined;
  let lastActivity = Number.NEGATIVE_INFINITY;
  for (let i = first - 1; i >= 0; i--) {
    const e = events[i] as FeatureEvent;
    if (lastActivity === Number.NEGATIVE_INFINITY && isActivity(e)) lastActivity = e.ts;
    if (isMotion(e)) {
      location = e.room ?? undefined;
      break;
    }
  }

  const motions = new Float64Array(n);
  const presence = new Float64Array(n);
  let transitions = 0;
  let doorOpens = 0;
  let since = start;
  for (let i = first; i < end; i++) {
    const e = events[i] as FeatureEvent;
    if (isActivity(e)) lastActivity = e.ts;
    if (e.kind === 'contact' && e.value === true) doorOpens++;
    if (!isMotion(e)) continue;
    const idx = roomIndex.get(e.room as string);
    if (idx !== undefined) motions[idx] = (motions[idx] as number) + 1;
    if (e.room !== location) {
      if (location !== undefined) transitions++;
      const at = location === undefined ? undefined : roomIndex.get(location);
      if (at !== undefined) presence[at] = (presence[at] as number) + (e.ts - since);
      location = e.room ?? undefined;
      since = e.ts;
    }
  }
  const at = location === undefined ? undefined : roomIndex.get(location);
  if (at !== undefined) presence[at] = (presence[at] as number) + (now - since);

  const recent = new Float64Array(n);
  for (let i = lowerBound(events, now - spec.longWindowMinutes * 60_000); i < end; i++) {
    const e = events[i] as FeatureEvent;
    const idx = isMotion(e) ? roomIndex.get(e.room as string) : undefined;
    if (idx !== undefined) recent[idx] = (recent[idx] as number) + 1;
  }

  for (let i = 0; i < n; i++) {
    out[i] = Math.log1p(motions[i] as number);
    out[n + i] = (presence[i] as number) / 60_000;
    out[2 * n + i] = Math.log1p(recent[i] as number);
  }
  out[3 * n] = Math.log1p(transitions);
  out[3 * n + 1] = Math.log1p(doorOpens);
  const idleCap = 4 * spec.windowMinutes;
  out[3 * n + 2] = Number.isFinite(lastActivity) ? Math.min(idleCap, (now - lastActivity) / 60_000) : idleCap;
  out[behaviourFeatureCount(spec) + hourOfWeek(now, spec.timezone)] = 1;
  return out;
}

/** A feature name in words a care worker understands, e.g. `presence:bathroom` → `time in the bathroom`. */
export function describeFeature(name: string): string {
  const [what, room] = name.split(':');
  switch (what) {
    case 'motion':
      return `movement in the ${room} this hour`;
    case 'presence':
      return `time in the ${room}`;
    case 'recent':
      return `movement in the ${room} over the last hours`;
    case 'transitions':
      return 'moving between rooms';
    case 'door_opens':
      return 'door openings';
    case 'idle_minutes':
      return 'time without movement';
    default:
      return name;
  }
}

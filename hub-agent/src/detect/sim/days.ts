import { localMoment, type RoutineEvent } from '@hearth/shared';
import { localToEpoch, renderDay, type Stop } from './render.js';
import { type DayOverrides, planDay } from './senior-day.js';

/** One simulated day: its local date's noon, its events, and where the day starts and ends. */
export interface SimulatedDay {
  noon: number;
  start: number;
  end: number;
  events: RoutineEvent[];
}

/** What to change on one day (by its index from the first): an incident on top of a normal day. */
export interface DayChange extends DayOverrides {
  stop?: Stop;
}

/**
 * `days` consecutive simulated days from the local date of `first` (any moment of that date, UTC
 * noon is safest), in `timezone`. Weekends lie in a little. Deterministic for a seed.
 */
export function simulateSeniorDays(options: {
  first: number;
  days: number;
  seed: number;
  timezone: string;
  changes?: Record<number, DayChange>;
}): SimulatedDay[] {
  const out: SimulatedDay[] = [];
  for (let d = 0; d < options.days; d++) {
    const noon = localToEpoch(options.first + d * 86_400_000, 720, options.timezone);
    const weekend = localMoment(noon, options.timezone).weekday >= 5;
    const seed = options.seed * 7919 + d;
    const change = options.changes?.[d] ?? {};
    const plan = planDay(seed, weekend, change);
    const events = renderDay(plan, {
      noon,
      timezone: options.timezone,
      seed,
      ...(change.stop && { stop: change.stop }),
    });
    out.push({
      noon,
      start: localToEpoch(noon, 0, options.timezone),
      end: localToEpoch(noon, 1440, options.timezone),
      events,
    });
  }
  return out;
}

export const eventsOf = (days: readonly SimulatedDay[]): RoutineEvent[] => days.flatMap((d) => d.events);

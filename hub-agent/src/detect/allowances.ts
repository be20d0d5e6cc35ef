import { hourOfWeek, type PlaceSettings, type RulesConfig } from '@hearth/shared';
import { minutesToMs } from './rules/rule.js';

/** An allowance for the current stillness, and what it rests on (for the alert's evidence). */
export interface Allowance {
  ms: number;
  /** The learned longest stillness behind it, in minutes; absent when nothing is learned there. */
  learnedMinutes?: number;
  /** True when the learned history is long enough to go beyond the fixed floor and ceiling. */
  trusted: boolean;
}

/** How the hub judges where the senior is, from the rule settings. */
export function placeSettings(config: RulesConfig): PlaceSettings {
  return {
    timezone: config.timezone,
    night: config.night,
    bedTime: config.stillness?.bedTime ?? null,
    wakeTime: config.stillness?.wakeTime ?? null,
    bedrooms: config.wake.bedrooms,
    bathrooms: config.bathroom.rooms,
    outsideDoors: config.nightDoor.sensorIds,
  };
}

const trusted = (config: RulesConfig): boolean =>
  (config.stillness?.historyDays ?? 0) >= config.inactivity.trustHistoryDays;

const withMargin = (minutes: number, marginMinutes: number, percent: number): number =>
  minutes + Math.max(marginMinutes, (minutes * percent) / 100);

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), Math.max(lo, hi));

/**
 * How long the senior may stay still while awake at home, last seen in `room` at `startTs`: the
 * learned longest stillness there at that hour of the week plus a margin, between the fixed floor
 * and ceiling until the history is trusted (four weeks by default), between the wider learned
 * bounds after. Nothing learned for that room and hour → the fixed `awakeMaxMinutes`.
 */
export function awakeAllowance(config: RulesConfig, room: string, startTs: number): Allowance {
  const cfg = config.inactivity;
  const isTrusted = trusted(config);
  const learned = config.stillness?.rooms[room]?.[hourOfWeek(startTs, config.timezone)];
  if (learned === undefined || learned === null)
    return { ms: minutesToMs(cfg.awakeMaxMinutes), trusted: isTrusted };
  const [lo, hi] = isTrusted
    ? [cfg.learnedMinMinutes, cfg.learnedMaxMinutes]
    : [cfg.awakeMinMinutes, cfg.awakeMaxMinutes];
  const minutes = clamp(withMargin(learned, cfg.marginMinutes, cfg.marginPercent), lo, hi);
  return { ms: minutesToMs(minutes), learnedMinutes: learned, trusted: isTrusted };
}

/** How long the senior may be out before "out longer than usual", on the same principle. */
export function outAllowance(config: RulesConfig): Allowance {
  const cfg = config.away;
  const isTrusted = trusted(config);
  const learned = config.stillness?.outMinutes;
  if (learned === undefined || learned === null)
    return { ms: minutesToMs(cfg.maxMinutes), trusted: isTrusted };
  const [lo, hi] = isTrusted ? [cfg.learnedMinMinutes, 7 * 24 * 60] : [cfg.minMinutes, cfg.maxMinutes];
  const minutes = clamp(withMargin(learned, cfg.marginMinutes, config.inactivity.marginPercent), lo, hi);
  return { ms: minutesToMs(minutes), learnedMinutes: learned, trusted: isTrusted };
}

/** The senior's usual getting-up time: learned when known, else the configured one. */
export const usualWakeTime = (config: RulesConfig): string =>
  config.stillness?.wakeTime ?? config.wake.usualTime;

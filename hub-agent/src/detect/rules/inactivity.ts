import { isNightMinute, lastLocalTime, localMoment, placeOf } from '@hearth/shared';
import { awakeAllowance, placeSettings } from '../allowances.js';
import { isActivity } from './presence.js';
import { evidenceOf, type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/**
 * No activity anywhere for longer than is normal where the senior is. The stillness is counted
 * from their latest activity, remembered however long ago it was; where they are is judged from
 * it (see `placeOf`), not from the clock: asleep in the bedroom → the night allowance; awake at
 * home → what is usual for that room at that hour; out → the away rule; in the bathroom → the
 * bathroom rule (when it runs).
 */
export const inactivityRule: Rule = {
  name: 'inactivity',
  evaluate({ window, memory, now, config, trigger }): Finding[] {
    const cfg = config.inactivity;
    if (!cfg.enabled || (trigger && isActivity(trigger))) return [];
    const last = memory.lastActivity;
    // Silence before the hub started watching is not evidence: with nothing seen, count from then
    // (and, by day, from the end of the night: the senior may simply have slept while it started).
    const night = isNightMinute(localMoment(now, config.timezone).minuteOfDay, config.night);
    const from =
      last?.ts ??
      (night ? window.since : Math.max(window.since, lastLocalTime(now, config.night.end, config.timezone)));
    const still = now - from - memory.unobservedWithin(from, now);
    let limitMs: number;
    let usual: Record<string, unknown> = {};
    if (!last) {
      limitMs = minutesToMs(night ? cfg.nightMaxMinutes : cfg.awakeMaxMinutes);
    } else {
      const place = placeOf(last, placeSettings(config), now);
      if (place === 'out' || (place === 'bathroom' && config.bathroom.enabled)) return [];
      if (place === 'asleep') {
        limitMs = minutesToMs(cfg.nightMaxMinutes);
        usual = { place };
      } else {
        const allowance = awakeAllowance(config, last.room ?? '', last.ts);
        limitMs = allowance.ms;
        usual = {
          place,
          allowanceMinutes: Math.round(allowance.ms / 60_000),
          learnedMinutes: allowance.learnedMinutes ?? null,
          trusted: allowance.trusted,
        };
      }
    }
    if (still <= limitMs) return [];
    const where = last?.room ? ` (last seen in the ${last.room}` : '';
    const since = last?.room ? `, usually still there at most ${formatDuration(limitMs)})` : '';
    return [
      {
        kind: 'inactivity',
        severity: cfg.severity,
        source: 'rule',
        message: `No movement in the home for ${formatDuration(still)}${where}${since}.`,
        evidence: [
          ...(last ? evidenceOf([last]) : [{ observingSince: new Date(window.since).toISOString() }]),
          ...(Object.keys(usual).length > 0 ? [usual] : []),
        ],
        subject: 'home',
        episode: String(from),
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      },
    ];
  },
};

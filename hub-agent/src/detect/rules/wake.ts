import { gotUpAt, lastLocalTime, localMoment, placeOf } from '@hearth/shared';
import { placeSettings, usualWakeTime } from '../allowances.js';
import { type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/**
 * Past the senior's usual getting-up time (learned, or configured) plus grace and not up yet: no
 * trip out of the bedroom since the look-back, except short ones that ended back in bed.
 */
export const wakeRule: Rule = {
  name: 'wake',
  evaluate({ window, memory, now, config }): Finding[] {
    const cfg = config.wake;
    if (!cfg.enabled) return [];
    const usualTime = usualWakeTime(config);
    const usual = lastLocalTime(now, usualTime, config.timezone);
    const deadline = usual + minutesToMs(cfg.graceMinutes);
    // Only between the deadline and the night: an afternoon without a morning is the inactivity rule's.
    if (now < deadline || now - deadline > minutesToMs(6 * 60)) return [];
    const lookFrom = usual - minutesToMs(cfg.lookbackMinutes);
    // Without history reaching back to the look-back, the hub cannot know whether they got up.
    if (window.since > lookFrom) return [];
    // Out since before the morning (away for the night): the away rule's business.
    const last = memory.lastActivity;
    if (last && last.ts < lookFrom && placeOf(last, placeSettings(config)) === 'out') return [];
    if (gotUpAt(window.events, lookFrom, now, cfg.bedrooms) !== undefined) return [];
    return [
      {
        kind: 'not_up',
        severity: cfg.severity,
        source: 'rule',
        message: `Not up yet: no time out of the bedroom, ${formatDuration(now - usual)} past the usual getting-up time of ${usualTime}.`,
        evidence: [
          {
            usualTime,
            learned: config.stillness?.wakeTime != null,
            graceMinutes: cfg.graceMinutes,
            checkedFrom: new Date(lookFrom).toISOString(),
          },
        ],
        subject: 'home',
        episode: localMoment(usual, config.timezone).date,
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      },
    ];
  },
};

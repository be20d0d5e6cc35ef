import { lastLocalTime, localMoment } from '@hearth/shared';
import { isMotion } from './presence.js';
import { type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/** Past the usual getting-up time (plus grace) and no movement yet outside the bedroom. */
export const wakeRule: Rule = {
  name: 'wake',
  evaluate({ window, now, config }): Finding[] {
    const cfg = config.wake;
    if (!cfg.enabled) return [];
    const usual = lastLocalTime(now, cfg.usualTime, config.timezone);
    const deadline = usual + minutesToMs(cfg.graceMinutes);
    // Only between the deadline and the night: an afternoon without a morning is the inactivity rule's.
    if (now < deadline || now - deadline > minutesToMs(6 * 60)) return [];
    const lookFrom = usual - minutesToMs(cfg.lookbackMinutes);
    // Without history reaching back to the look-back, the hub cannot know whether they got up.
    if (window.since > lookFrom) return [];
    const up = window.events.some(
      (e) => e.ts >= lookFrom && e.ts <= now && isMotion(e) && !cfg.bedrooms.includes(e.room as string),
    );
    if (up) return [];
    return [
      {
        kind: 'not_up',
        severity: cfg.severity,
        source: 'rule',
        message: `Not up yet: no movement outside the bedroom, ${formatDuration(now - usual)} past the usual getting-up time of ${cfg.usualTime}.`,
        evidence: [
          {
            usualTime: cfg.usualTime,
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

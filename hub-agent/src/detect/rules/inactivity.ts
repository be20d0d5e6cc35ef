import { isNightMinute, lastLocalTime, localMoment } from '@hearth/shared';
import { isActivity, lastActivity } from './presence.js';
import { evidenceOf, type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/**
 * No activity anywhere for longer than is normal for the time of day. At night stillness is
 * measured from the last activity (sleep is long); during the day it is measured from the later
 * of the last activity and the end of the night, so a long sleep does not count against the
 * morning (the wake rule watches the morning).
 */
export const inactivityRule: Rule = {
  name: 'inactivity',
  evaluate({ window, now, config, trigger }): Finding[] {
    const cfg = config.inactivity;
    if (!cfg.enabled || (trigger && isActivity(trigger))) return [];
    const last = lastActivity(window.events, now);
    const lastTs = Math.max(last?.ts ?? Number.NEGATIVE_INFINITY, window.since);
    const night = isNightMinute(localMoment(now, config.timezone).minuteOfDay, config.night);
    const from = night ? lastTs : Math.max(lastTs, lastLocalTime(now, config.night.end, config.timezone));
    const limit = minutesToMs(night ? cfg.nightMaxMinutes : cfg.awakeMaxMinutes);
    if (now - from <= limit) return [];
    const where = last?.room ? ` (last seen in the ${last.room})` : '';
    return [
      {
        kind: 'inactivity',
        severity: cfg.severity,
        source: 'rule',
        message: `No movement in the home for ${formatDuration(now - lastTs)}${where}.`,
        evidence: last ? evidenceOf([last]) : [{ observingSince: new Date(window.since).toISOString() }],
        subject: 'home',
        episode: String(lastTs),
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      },
    ];
  },
};

import { whereabouts } from './presence.js';
import { evidenceOf, type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/** The senior went into the bathroom and has not been seen anywhere else for too long. */
export const bathroomRule: Rule = {
  name: 'bathroom',
  evaluate({ window, now, config }): Finding[] {
    const cfg = config.bathroom;
    if (!cfg.enabled) return [];
    const at = whereabouts(window.events, now);
    if (!at || !cfg.rooms.includes(at.room)) return [];
    // A stay that began before the hub started watching counts only from then.
    const stay = now - Math.max(at.enteredAt, window.since);
    if (stay <= minutesToMs(cfg.maxMinutes)) return [];
    return [
      {
        kind: 'bathroom_too_long',
        severity: cfg.severity,
        source: 'rule',
        message: `In the ${at.room} for ${formatDuration(stay)} with no movement anywhere else.`,
        evidence: evidenceOf([...new Set([...at.motions.slice(0, 1), ...at.motions.slice(-4)])]),
        subject: at.room,
        episode: String(at.enteredAt),
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      },
    ];
  },
};

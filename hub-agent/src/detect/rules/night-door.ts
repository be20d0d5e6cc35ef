import { isNightMinute, lastLocalTime, localMoment } from '@hearth/shared';
import type { ObservedEvent } from '../types.js';
import { isMotion } from './presence.js';
import { evidenceOf, type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/**
 * A door to the outside open at night (whenever it was opened) for too long, or opened at night
 * and closed again with nobody moving indoors afterwards (the senior may have gone out and not
 * come back).
 */
export const nightDoorRule: Rule = {
  name: 'night-door',
  evaluate({ window, now, config }): Finding[] {
    const cfg = config.nightDoor;
    if (!cfg.enabled) return [];
    const atNight = (ts: number) => isNightMinute(localMoment(ts, config.timezone).minuteOfDay, config.night);
    const findings: Finding[] = [];
    for (const sensorId of cfg.sensorIds) {
      const latest = window.latest.get(sensorId);
      if (latest?.kind !== 'contact' || latest.ts > now) continue;
      const common = { severity: cfg.severity, source: 'rule' as const, subject: sensorId };
      const cooldownMs = minutesToMs(cfg.cooldownMinutes);

      if (latest.value === true) {
        // Only what the hub itself watched counts: an opening before a restart is timed from the restart.
        const openedAt = Math.max(latest.ts, window.since);
        // A door opened in the evening and left open is judged from the start of the night.
        const nightStart = lastLocalTime(now, config.night.start, config.timezone);
        const openAtNight = now - Math.max(openedAt, nightStart);
        if (atNight(now) && openAtNight > minutesToMs(cfg.openMaxMinutes)) {
          findings.push({
            ...common,
            kind: 'door_open_at_night',
            message: `The outside door ${sensorId} has been open for ${formatDuration(now - openedAt)}, into the night.`,
            evidence: evidenceOf([latest]),
            episode: String(latest.ts),
            cooldownMs,
          });
        }
        continue;
      }

      // Closed: was it opened at night just before, and has anyone moved indoors since it closed?
      const opened = previousOpening(window.events, sensorId, latest.ts);
      if (!opened || !atNight(opened.ts)) continue;
      if (now - Math.max(latest.ts, window.since) <= minutesToMs(cfg.returnMinutes)) continue;
      const cameBack = window.events.some((e) => e.ts > latest.ts && e.ts <= now && isMotion(e));
      if (cameBack) continue;
      findings.push({
        ...common,
        kind: 'no_return_at_night',
        message: `The outside door ${sensorId} opened at night and nobody has moved indoors for ${formatDuration(now - latest.ts)} since it closed.`,
        evidence: evidenceOf([opened, latest]),
        episode: String(latest.ts),
        cooldownMs,
      });
    }
    return findings;
  },
};

function previousOpening(
  events: readonly ObservedEvent[],
  sensorId: string,
  before: number,
): ObservedEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as ObservedEvent;
    if (e.ts < before && e.sensorId === sensorId && e.kind === 'contact')
      return e.value === true ? e : undefined;
  }
  return undefined;
}

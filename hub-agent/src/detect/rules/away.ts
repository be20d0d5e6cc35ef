import { localMoment, placeOf } from '@hearth/shared';
import { outAllowance, placeSettings } from '../allowances.js';
import { evidenceOf, type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

/**
 * The senior went out (an outside door opened and closed, and nobody has moved indoors since) and
 * has been away longer than their longest usual outing allows. A warning: out is not still, so
 * the inactivity rule does not judge it.
 */
export const awayRule: Rule = {
  name: 'away',
  evaluate({ memory, now, config }): Finding[] {
    const cfg = config.away;
    const last = memory.lastActivity;
    if (!cfg.enabled || !last || placeOf(last, placeSettings(config)) !== 'out') return [];
    const allowance = outAllowance(config);
    const away = now - last.ts - memory.unobservedWithin(last.ts, now);
    if (away <= allowance.ms) return [];
    const local = localMoment(last.ts, config.timezone).minuteOfDay;
    const clock = `${String(Math.floor(local / 60)).padStart(2, '0')}:${String(local % 60).padStart(2, '0')}`;
    return [
      {
        kind: 'out_too_long',
        severity: cfg.severity,
        source: 'rule',
        message: `Out longer than usual: nobody has moved indoors for ${formatDuration(away)} since the door ${last.sensorId} closed at ${clock}.`,
        evidence: [
          ...evidenceOf([last]),
          {
            allowanceMinutes: Math.round(allowance.ms / 60_000),
            learnedMinutes: allowance.learnedMinutes ?? null,
            trusted: allowance.trusted,
          },
        ],
        subject: 'home',
        episode: String(last.ts),
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      },
    ];
  },
};

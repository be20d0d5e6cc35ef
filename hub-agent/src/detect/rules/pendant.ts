import { evidenceOf, type Finding, minutesToMs, type Rule } from './rule.js';

/** A press of the pendant or a wall button is always a call for help. */
export const pendantRule: Rule = {
  name: 'pendant',
  evaluate({ trigger, config }): Finding[] {
    const cfg = config.pendant;
    if (!cfg.enabled || !trigger || trigger.kind !== 'button' || trigger.value !== true) return [];
    const where = trigger.room ? ` in the ${trigger.room}` : '';
    return [
      {
        kind: 'pendant_pressed',
        severity: cfg.severity,
        source: 'button',
        message: `The help button was pressed${where}.`,
        evidence: evidenceOf([trigger]),
        subject: trigger.sensorId,
        episode: String(trigger.seq),
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      },
    ];
  },
};

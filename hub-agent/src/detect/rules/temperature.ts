import type { ObservedEvent } from '../types.js';
import { evidenceOf, type Finding, minutesToMs, type Rule } from './rule.js';

/** A room has stayed too cold or too hot for longer than one odd reading. */
export const temperatureRule: Rule = {
  name: 'temperature',
  evaluate({ window, memory, now, config }): Finding[] {
    const cfg = config.temperature;
    if (!cfg.enabled) return [];
    const outOfRange = (e: ObservedEvent) =>
      typeof e.value === 'number' && (e.value < cfg.minC || e.value > cfg.maxC);
    const findings: Finding[] = [];
    for (const latest of window.latest.values()) {
      if (latest.kind !== 'temperature' || latest.ts > now || !outOfRange(latest)) continue;
      const run = currentRun(window.events, latest, outOfRange);
      // The spell's start is remembered: the window forgets it after a day, the room does not warm up for that.
      const spell = memory.spells.get(latest.sensorId);
      const side = (latest.value as number) < cfg.minC ? 'cold' : 'hot';
      const start = spell?.side === side ? spell.since : (run[0] ?? latest).ts;
      if (now - Math.max(start, window.since) < minutesToMs(cfg.sustainMinutes)) continue;
      const value = latest.value as number;
      const cold = value < cfg.minC;
      const where = latest.room ?? latest.sensorId;
      findings.push({
        kind: cold ? 'room_too_cold' : 'room_too_hot',
        severity: cfg.severity,
        source: 'rule',
        message: `The ${where} is ${value.toFixed(1)} °C, ${cold ? `below ${cfg.minC}` : `above ${cfg.maxC}`} °C.`,
        evidence: evidenceOf(run.length > 0 ? run : [latest]),
        subject: latest.sensorId,
        episode: String(start),
        cooldownMs: minutesToMs(cfg.cooldownMinutes),
      });
    }
    return findings;
  },
};

/** The unbroken stretch of out-of-range readings from this sensor that ends with `latest`. */
function currentRun(
  events: readonly ObservedEvent[],
  latest: ObservedEvent,
  outOfRange: (e: ObservedEvent) => boolean,
): ObservedEvent[] {
  const run: ObservedEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as ObservedEvent;
    if (e.sensorId !== latest.sensorId || e.kind !== 'temperature' || e.ts > latest.ts) continue;
    if (!outOfRange(e)) break;
    run.push(e);
  }
  return run.reverse();
}

import { evidenceOf, type Finding, formatDuration, minutesToMs, type Rule } from './rule.js';

const ROBOT_DOWN = new Set<unknown>(['offline', 'unavailable', 'error', false]);

/**
 * A device problem, not a person problem: a sensor reported itself unavailable, a sensor that
 * sends heartbeats fell silent, or the robot went offline. Raised with source `device`.
 */
export const devicesRule: Rule = {
  name: 'devices',
  evaluate({ window, now, config }): Finding[] {
    const cfg = config.devices;
    if (!cfg.enabled) return [];
    const timeout = minutesToMs(cfg.heartbeatTimeoutMinutes);
    const findings: Finding[] = [];
    const base = {
      severity: cfg.severity,
      source: 'device' as const,
      cooldownMs: minutesToMs(cfg.cooldownMinutes),
    };
    for (const [sensorId, latest] of window.latest) {
      if (latest.ts > now) continue;
      if (latest.kind === 'robot' && ROBOT_DOWN.has(latest.value)) {
        findings.push({
          ...base,
          kind: 'robot_unavailable',
          message: `The safety robot ${sensorId} is ${String(latest.value)}; safety checks cannot be sent.`,
          evidence: evidenceOf([latest]),
          subject: sensorId,
          episode: String(latest.ts),
        });
      } else if (latest.kind === 'availability' && latest.value === false) {
        findings.push({
          ...base,
          kind: 'sensor_unavailable',
          message: `Sensor ${sensorId}${latest.room ? ` (${latest.room})` : ''} is unavailable.`,
          evidence: evidenceOf([latest]),
          subject: sensorId,
          episode: String(latest.ts),
        });
      } else if (window.heartbeating.has(sensorId) && now - latest.ts > timeout) {
        findings.push({
          ...base,
          kind: 'sensor_silent',
          message: `Sensor ${sensorId}${latest.room ? ` (${latest.room})` : ''} has been silent for ${formatDuration(now - latest.ts)}.`,
          evidence: evidenceOf([latest]),
          subject: sensorId,
          episode: String(latest.ts),
        });
      }
    }
    return findings;
  },
};

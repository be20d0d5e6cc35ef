// `npm run bench -- detection [seniors]`: how well the hub's detection does on simulated seniors.
// For each senior (a seed): five weeks of history are learned from as the cloud would, then 60
// normal days (outings, naps, visitors, night toilet trips, the spring clock change) are replayed
// for false alerts, and every incident class is played on top of a normal day for its delay.
import { eventsOf } from '../hub-agent/src/detect/sim/days.js';
import {
  INCIDENTS,
  learnedFrom,
  playIncident,
  replayDays,
  rulesFor,
  seniorDays,
} from '../hub-agent/src/detect/sim/scenarios.js';

const NORMAL_DAYS = 60;

export default async function detection(args: string[]): Promise<Record<string, unknown>> {
  const seniors = Number(args[0] ?? 4);
  if (!Number.isInteger(seniors) || seniors < 1) throw new Error('seniors must be a positive integer');
  const seeds = Array.from({ length: seniors }, (_, i) => 101 + i);

  let falseAlerts = 0;
  const byKind: Record<string, number> = {};
  const started = performance.now();
  for (const seed of seeds) {
    const { history, after } = seniorDays(seed, NORMAL_DAYS);
    const raised = await replayDays(after, rulesFor(learnedFrom(history)), eventsOf(after));
    falseAlerts += raised.length;
    for (const r of raised) byKind[r.detection.kind] = (byKind[r.detection.kind] ?? 0) + 1;
  }
  const seniorWeeks = (seniors * NORMAL_DAYS) / 7;

  const incidents: Record<string, unknown> = {};
  for (const incident of INCIDENTS) {
    const delays: (number | null)[] = [];
    const kinds: string[] = [];
    for (const seed of seeds) {
      const outcome = await playIncident(incident, seed);
      const right = outcome.first?.kind === incident.expect;
      delays.push(incident.expect && right ? (outcome.first?.delayMinutes ?? null) : null);
      kinds.push(outcome.first?.kind ?? 'none');
    }
    const caught = delays.filter((d): d is number => d !== null).sort((a, b) => a - b);
    incidents[incident.name] = {
      expected: incident.expect ?? 'no alert',
      firstAlerts: kinds,
      delayMinutes: delays,
      medianDelayMinutes: caught.length ? caught[Math.floor((caught.length - 1) / 2)] : null,
      maxDelayMinutes: caught.length ? caught[caught.length - 1] : null,
    };
  }
  return {
    seniors,
    normalDaysPerSenior: NORMAL_DAYS,
    falseAlerts,
    falseAlertsPerSeniorWeek: Math.round((falseAlerts / seniorWeeks) * 100) / 100,
    falseAlertsByKind: byKind,
    incidents,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

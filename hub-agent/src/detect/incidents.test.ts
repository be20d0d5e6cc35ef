import { describe, expect, it } from 'vitest';
import { INCIDENTS, type IncidentOutcome, playIncident } from './sim/scenarios.js';

// The care service's table, replayed on a simulated senior (seed 101) with what the cloud learned
// from their five weeks of history: each incident on top of a normal day, with its delay.
const SENIOR = 101;
const incident = (name: string) => {
  const found = INCIDENTS.find((i) => i.name === name);
  if (!found) throw new Error(`no incident ${name}`);
  return found;
};
const delay = (o: IncidentOutcome) => o.first?.delayMinutes ?? Number.POSITIVE_INFINITY;

describe('incidents on top of a normal day, with learned allowances', { timeout: 120_000 }, () => {
  it.each([
    'fall in the hall at 19:00',
    'fall in the living room at 20:30',
    'collapse in the kitchen at 10:30',
    'fall at 06:30, just after getting up',
  ])('%s: a critical inactivity alert within the hour', async (name) => {
    const outcome = await playIncident(incident(name), SENIOR);
    expect(outcome.first).toMatchObject({ kind: 'inactivity', severity: 'critical' });
    expect(delay(outcome)).toBeLessThan(60);
  });

  it('collapse in the kitchen at 10:30: within the 30-minute goal', async () => {
    expect(
      delay(await playIncident(incident('collapse in the kitchen at 10:30'), SENIOR)),
    ).toBeLessThanOrEqual(30);
  });

  it('bathroom fall at 14:00: bathroom alert still within the hour', async () => {
    const outcome = await playIncident(incident('bathroom fall at 14:00'), SENIOR);
    expect(outcome.first).toMatchObject({ kind: 'bathroom_too_long', severity: 'critical' });
    expect(delay(outcome)).toBeLessThan(60);
  });

  it('out shopping for 4 hours: nothing raised while away or on coming back', async () => {
    const outcome = await playIncident(incident('out shopping for 4 hours'), SENIOR);
    // The incident day, from leaving at 11:00 to midnight.
    expect(outcome.sameDay.map((r) => r.detection.message)).toEqual([]);
  });

  it('not back from an outing: a warning, "out longer than usual", and no critical inactivity', async () => {
    const outcome = await playIncident(incident('goes out at 11:00 and does not come back'), SENIOR);
    expect(outcome.first).toMatchObject({ kind: 'out_too_long', severity: 'warning' });
    expect(outcome.first?.message).toMatch(/since the door door-front closed at 11:\d\d/);
    // Later than the longest usual outing (learned), within a working day.
    expect(delay(outcome)).toBeGreaterThan(3 * 60);
    expect(delay(outcome)).toBeLessThan(8 * 60);
  });

  it('front door opened at 21:30 and left open: raised within a quarter of an hour of the night', async () => {
    const outcome = await playIncident(incident('front door opened at 21:30 and left open'), SENIOR);
    expect(outcome.first?.kind).toBe('door_open_at_night');
    expect(delay(outcome)).toBeLessThanOrEqual(15);
  });

  it('toilet at 05:20 and back to bed, then not getting up: "not up" past the learned usual time', async () => {
    const outcome = await playIncident(incident('toilet at 05:20, back to bed, does not get up'), SENIOR);
    expect(outcome.first).toMatchObject({ kind: 'not_up', severity: 'warning' });
    expect(outcome.first?.message).toMatch(/usual getting-up time of \d\d:\d\d/);
    expect(delay(outcome)).toBeLessThan(6 * 60);
  });
});

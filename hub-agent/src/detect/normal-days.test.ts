import { localMoment } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { eventsOf } from './sim/days.js';
import { learnedFrom, replayDays, rulesFor, seniorDays, TIMEZONE } from './sim/scenarios.js';

// Sixty normal days of a simulated senior (seed 101), after the five weeks the cloud learned
// from: outings, naps, visitors, night toilet trips and the spring clock change, replayed through
// the detector as the hub runs it. A care service tolerates at most one false alert a fortnight.
const SENIOR = 101;
const DAYS = 60;
const { history, after } = seniorDays(SENIOR, DAYS);

describe('60 normal days', { timeout: 300_000 }, () => {
  it('are varied: outings, naps, visitors, night toilet trips and a clock change', () => {
    const local = (ts: number) => localMoment(ts, TIMEZONE);
    const opensByDay = after.map(
      (d) => d.events.filter((e) => e.sensorId === 'door-front' && e.value === true).length,
    );
    const nightTrips = after.filter((d) =>
      d.events.some((e) => e.room === 'bathroom' && local(e.ts).minuteOfDay < 5 * 60),
    ).length;
    const hours = after.map((d) => (d.end - d.start) / 3_600_000);
    expect(opensByDay.filter((n) => n > 0).length).toBeGreaterThan(DAYS / 3); // days out or with a visitor
    expect(opensByDay.filter((n) => n === 0).length).toBeGreaterThan(DAYS / 10); // days at home
    expect(nightTrips).toBeGreaterThan(DAYS / 3);
    expect(hours).toContain(23); // 29 March 2026 in London
  });

  it('raise at most 0.5 false alerts per week', async () => {
    const raised = await replayDays(after, rulesFor(learnedFrom(history)), eventsOf(after));
    const perWeek = raised.length / (DAYS / 7);
    expect(
      perWeek,
      raised.map((r) => `${new Date(r.at).toISOString()} ${r.detection.message}`).join('\n'),
    ).toBeLessThanOrEqual(0.5);
  });
});

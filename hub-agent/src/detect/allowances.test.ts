import { learnStillness, type PlaceEvent } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { awakeAllowance, outAllowance, usualWakeTime } from './allowances.js';
import { parseRulesConfig } from './index.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const first = Date.UTC(2026, 0, 5); // a Monday, UTC

/** `days` identical days: up at 07:00, the hall passed through, two hours still in the nap chair after lunch. */
function days(n: number): PlaceEvent[] {
  const out: PlaceEvent[] = [];
  const move = (d: number, minute: number, room: string) =>
    out.push({
      ts: first + d * DAY + minute * MIN,
      kind: 'motion',
      value: true,
      room,
      sensorId: `pir-${room}`,
    });
  for (let d = 0; d < n; d++) {
    move(d, 7 * 60, 'bedroom');
    for (let m = 7 * 60 + 2; m < 13 * 60; m += 5) move(d, m, m % 60 < 3 ? 'hall' : 'living');
    move(d, 13 * 60, 'living'); // the nap chair: still until 15:00
    for (let m = 15 * 60; m < 22 * 60; m += 5) move(d, m, m % 60 < 3 ? 'hall' : 'living');
    move(d, 22 * 60 + 1, 'bedroom');
  }
  return out;
}
const home = {
  timezone: 'UTC',
  night: { start: '22:00', end: '07:00' },
  bedrooms: ['bedroom'],
  bathrooms: ['bathroom'],
  outsideDoors: ['door-front'],
};
const rulesAfter = (n: number) =>
  parseRulesConfig({
    timezone: 'UTC',
    stillness: learnStillness(days(n), { ...home, now: first + n * DAY }),
  });
const at = (d: number, hh: number, mm = 0) => first + d * DAY + (hh * 60 + mm) * MIN;

describe('allowances learned from the senior’s own days', () => {
  it('a nap chair still for two hours after lunch is normal; the hall still for 40 minutes at 19:00 is not', () => {
    const rules = rulesAfter(35);
    expect(awakeAllowance(rules, 'living', at(40, 13, 5)).ms).toBeGreaterThan(120 * MIN);
    expect(awakeAllowance(rules, 'hall', at(40, 19, 0)).ms).toBeLessThan(40 * MIN);
    expect(usualWakeTime(rules)).toBe('07:02'); // the first trip out of the bedroom
  });

  it('keeps between the fixed floor and ceiling until four weeks of history', () => {
    const young = rulesAfter(14);
    expect(awakeAllowance(young, 'hall', at(20, 19)).ms).toBe(45 * MIN); // fixed floor
    expect(awakeAllowance(young, 'living', at(20, 13, 5)).ms).toBe(150 * MIN); // nap 2 h + 25 %, under the ceiling
    const trusted = rulesAfter(35);
    expect(awakeAllowance(trusted, 'hall', at(40, 19)).ms).toBe(20 * MIN); // the learned floor
  });

  it('falls back to the fixed allowances when nothing is learned', () => {
    const none = parseRulesConfig({ timezone: 'UTC' });
    expect(awakeAllowance(none, 'hall', at(0, 19)).ms).toBe(180 * MIN);
    expect(outAllowance(none).ms).toBe(360 * MIN);
    expect(usualWakeTime(none)).toBe('08:00');
  });
});

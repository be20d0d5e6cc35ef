import { describe, expect, it } from 'vitest';
import { gotUpAt, type PlaceEvent, placeOf } from './place.js';
import { RulesConfig } from './rules.js';
import { StillnessAllowances } from './stillness.js';

const MIN = 60_000;
const day = Date.UTC(2026, 0, 6); // UTC
const at = (hh: number, mm = 0) => day + (hh * 60 + mm) * MIN;
const move = (ts: number, room: string): PlaceEvent => ({
  ts,
  kind: 'motion',
  value: true,
  room,
  sensorId: `pir-${room}`,
});
const home = {
  timezone: 'UTC',
  night: { start: '22:00', end: '07:00' },
  bedrooms: ['bedroom'],
  bathrooms: ['bathroom'],
  outsideDoors: ['door-front'],
};

describe('where the senior is', () => {
  it('asleep in the bedroom in the sleep window, which the learned bed and wake times widen', () => {
    expect(placeOf(move(at(23), 'bedroom'), home)).toBe('asleep');
    expect(placeOf(move(at(21, 30), 'bedroom'), home)).toBe('awake');
    expect(placeOf(move(at(21, 30), 'bedroom'), { ...home, bedTime: '21:15' })).toBe('asleep');
    expect(placeOf(move(at(21, 30), 'bedroom'), home, at(22, 5))).toBe('asleep');
    expect(placeOf(move(at(7, 30), 'bedroom'), home)).toBe('awake');
    expect(placeOf(move(at(7, 30), 'bedroom'), { ...home, wakeTime: '08:10' })).toBe('asleep');
    expect(placeOf(move(at(23), 'hall'), home)).toBe('awake');
  });

  it('out once the front door closed behind them; in the bathroom; awake elsewhere', () => {
    const closed = { ts: at(10), kind: 'contact', value: false, room: 'hall', sensorId: 'door-front' };
    expect(placeOf(closed, home)).toBe('out');
    expect(placeOf({ ...closed, value: true }, home)).toBe('awake');
    expect(placeOf({ ...closed, sensorId: 'window-kitchen' }, home)).toBe('awake');
    expect(placeOf(move(at(3), 'bathroom'), home)).toBe('bathroom');
  });

  it('getting up is a trip out of the bedroom that is not a short one back to bed', () => {
    const toilet = [move(at(5, 30), 'hall'), move(at(5, 32), 'bathroom'), move(at(5, 38), 'bedroom')];
    expect(gotUpAt(toilet, at(5), at(9), ['bedroom'])).toBeUndefined();
    const up = [...toilet, move(at(7, 10), 'hall'), move(at(7, 40), 'kitchen'), move(at(7, 45), 'bedroom')];
    expect(gotUpAt(up, at(5), at(9), ['bedroom'])).toBe(at(7, 10));
    // Out of the bedroom right now counts: they are up.
    expect(gotUpAt([...toilet, move(at(8, 55), 'kitchen')], at(5), at(9), ['bedroom'])).toBe(at(8, 55));
  });
});

describe('what is learned, on the wire', () => {
  const learned = {
    learnedAt: '2026-03-08T00:00:00.000Z',
    historyDays: 35,
    rooms: { living: Array.from({ length: 168 }, (_, h) => (h % 24 === 13 ? 125 : 30)) },
    outMinutes: 212,
    wakeTime: '08:03',
    bedTime: '21:46',
  };

  it('travels inside the rule settings', () => {
    expect(RulesConfig.parse({ stillness: learned }).stillness).toEqual(learned);
    expect(RulesConfig.parse({}).stillness).toBeUndefined();
  });

  it('refuses a week of the wrong length or a bad time, naming the field', () => {
    const short = StillnessAllowances.safeParse({ ...learned, rooms: { living: [1, 2, 3] } });
    expect(short.success).toBe(false);
    expect(JSON.stringify(short.error?.issues)).toMatch(/168 hours of the week/);
    const late = StillnessAllowances.safeParse({ ...learned, wakeTime: '25:00' });
    expect(late.error?.issues[0]?.path).toEqual(['wakeTime']);
  });
});

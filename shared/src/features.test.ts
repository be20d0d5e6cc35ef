import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  behaviourFeatureCount,
  computeFeatures,
  type FeatureEvent,
  type FeatureSpec,
  featureCount,
  featureNames,
  HOURS_PER_WEEK,
  hourOfWeek,
} from './features.js';
import { isNightMinute, lastLocalTime, localMoment } from './local-time.js';

const spec: FeatureSpec = {
  version: 1,
  windowMinutes: 60,
  longWindowMinutes: 180,
  rooms: ['bathroom', 'bedroom', 'kitchen'],
  timezone: 'UTC',
};
const MIN = 60_000;
const monday10 = Date.UTC(2026, 0, 5, 10, 0);

describe('the shared feature vector', () => {
  it('counts motion, time in each room, moves and idleness over the window', () => {
    const events: FeatureEvent[] = [
      { ts: monday10 - 90 * MIN, kind: 'motion', value: true, room: 'bedroom' },
      { ts: monday10 - 50 * MIN, kind: 'motion', value: true, room: 'kitchen' },
      { ts: monday10 - 40 * MIN, kind: 'motion', value: true, room: 'kitchen' },
      { ts: monday10 - 30 * MIN, kind: 'motion', value: false, room: 'kitchen' },
      { ts: monday10 - 20 * MIN, kind: 'motion', value: true, room: 'bathroom' },
      { ts: monday10 - 15 * MIN, kind: 'contact', value: true, room: 'hall' },
    ];
    const x = computeFeatures(spec, events, monday10);
    const at = (name: string) => x[featureNames(spec).indexOf(name)];
    expect(at('motion:kitchen')).toBeCloseTo(Math.log1p(2));
    expect(at('motion:bedroom')).toBe(0);
    expect(at('presence:bedroom')).toBeCloseTo(10); // from the window's start until the kitchen
    expect(at('presence:kitchen')).toBeCloseTo(30);
    expect(at('presence:bathroom')).toBeCloseTo(20);
    expect(at('recent:bedroom')).toBeCloseTo(Math.log1p(1));
    expect(at('transitions')).toBeCloseTo(Math.log1p(2));
    expect(at('door_opens')).toBeCloseTo(Math.log1p(1));
    expect(at('idle_minutes')).toBeCloseTo(15);
    expect(x[behaviourFeatureCount(spec) + 10]).toBe(1); // Monday 10:00
  });

  it('is always finite, with one hour of the week and presence within the window', () => {
    const event = fc.record({
      offset: fc.integer({ min: 0, max: 600 }),
      kind: fc.constantFrom('motion', 'contact', 'button', 'temperature'),
      value: fc.oneof(fc.boolean(), fc.double({ noNaN: true, min: -50, max: 50 }), fc.constant(null)),
      room: fc.option(fc.constantFrom('bathroom', 'bedroom', 'kitchen', 'garage'), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 80 }),
        fc.integer({ min: 0, max: 7 * 1440 }),
        (raw, nowOffset) => {
          const now = monday10 + nowOffset * MIN;
          const events = raw
            .map((e) => ({ ts: now - e.offset * MIN, kind: e.kind, value: e.value, room: e.room }))
            .sort((a, b) => a.ts - b.ts);
          const x = computeFeatures(spec, events, now);
          expect(x).toHaveLength(featureCount(spec));
          expect(x.every(Number.isFinite)).toBe(true);
          const oneHot = x.subarray(behaviourFeatureCount(spec));
          expect(oneHot.reduce((a, b) => a + b, 0)).toBe(1);
          expect(oneHot[hourOfWeek(now, 'UTC')]).toBe(1);
          const presence = spec.rooms.reduce((sum, _r, i) => sum + (x[spec.rooms.length + i] as number), 0);
          expect(presence).toBeLessThanOrEqual(spec.windowMinutes + 1e-6);
        },
      ),
    );
  });

  it('reads hours of the week and nights in the home’s own time zone, across daylight saving', () => {
    // 2026-03-29 is the spring change in Berlin: 01:59 CET is followed by 03:00 CEST.
    const before = Date.UTC(2026, 2, 28, 23, 30); // 00:30 local, Sunday
    const after = Date.UTC(2026, 2, 29, 1, 30); // 03:30 local, Sunday
    expect(localMoment(before, 'Europe/Berlin')).toMatchObject({ minuteOfDay: 30, weekday: 6 });
    expect(localMoment(after, 'Europe/Berlin')).toMatchObject({ minuteOfDay: 210, weekday: 6 });
    expect(hourOfWeek(after, 'Europe/Berlin')).toBe(6 * 24 + 3);
    expect(hourOfWeek(Date.UTC(2026, 0, 11, 23, 30), 'UTC')).toBe(HOURS_PER_WEEK - 1);
    const night = { start: '22:00', end: '07:00' };
    expect(isNightMinute(23 * 60, night)).toBe(true);
    expect(isNightMinute(6 * 60 + 59, night)).toBe(true);
    expect(isNightMinute(7 * 60, night)).toBe(false);
    expect(isNightMinute(13 * 60, { start: '12:00', end: '14:00' })).toBe(true);
    // The most recent 07:00 before 09:15 local on a Berlin winter day is 06:00 UTC.
    expect(lastLocalTime(Date.UTC(2026, 0, 7, 8, 15), '07:00', 'Europe/Berlin')).toBe(
      Date.UTC(2026, 0, 7, 6, 0),
    );
  });
});

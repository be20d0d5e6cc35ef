import type { SensorKind } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createDetector, type EpisodeStore } from './index.js';
import { type ReplayedDetection, replay } from './replay.js';
import type { ObservedEvent } from './types.js';

// Each bug found by replaying an older person's days, on the smallest day that shows it. The
// settings are the defaults (nothing learned yet): the fixes must hold for a new senior too.

const MIN = 60_000;
const day1 = Date.UTC(2026, 0, 6); // a Tuesday, UTC
const at = (hh: number, mm = 0, day = 0) => day1 + (day * 1440 + hh * 60 + mm) * MIN;
type Event = Omit<ObservedEvent, 'seq'>;
const ev = (
  ts: number,
  kind: SensorKind,
  value: Event['value'],
  room: string,
  sensorId = `${kind}-${room}`,
): Event => ({
  ts,
  kind,
  value,
  room,
  sensorId,
});
const move = (ts: number, room: string) => ev(ts, 'motion', true, room, `pir-${room}`);
const door = (ts: number, open: boolean) => ev(ts, 'contact', open, 'hall', 'door-front');

async function play(events: Event[], from: number, to: number, store?: EpisodeStore) {
  const clock = new FakeClock(from);
  const detector = createDetector({ clock, config: { timezone: 'UTC' }, ...(store && { memory: store }) });
  return replay(detector, clock, events, { from, to });
}
const firstOf = (raised: ReplayedDetection[], kind: string) => raised.find((r) => r.detection.kind === kind);
const minutesAfter = (r: ReplayedDetection | undefined, ts: number) => (r ? (r.at - ts) / MIN : Number.NaN);

describe('stillness is judged by where the senior is, not by the clock', () => {
  it('a fall in the hall at 19:00 is raised the same evening, not the next morning', async () => {
    const events = [move(at(18, 30), 'living'), move(at(19, 0), 'hall')];
    const raised = await play(events, at(18, 0), at(12, 0, 1));
    const first = raised[0];
    expect(first?.detection).toMatchObject({ kind: 'inactivity', severity: 'critical' });
    expect(minutesAfter(first, at(19, 0))).toBeLessThanOrEqual(181);
  });

  it('a fall at 06:30 just after getting up is counted from 06:30, not from the end of the night', async () => {
    const events = [move(at(22, 30), 'bedroom'), move(at(6, 25, 1), 'bedroom'), move(at(6, 30, 1), 'hall')];
    const raised = await play(events, at(21, 0), at(14, 0, 1));
    expect(raised[0]?.detection.kind).toBe('inactivity');
    expect(minutesAfter(raised[0], at(6, 30, 1))).toBeLessThanOrEqual(181);
  });

  it('a senior out shopping for four hours gets no inactivity alert', async () => {
    const events = [
      move(at(9, 58), 'hall'),
      door(at(10, 0), true),
      door(at(10, 1), false),
      door(at(14, 0), true),
      door(at(14, 1), false),
      move(at(14, 2), 'hall'),
      move(at(14, 5), 'living'),
    ];
    const raised = await play(events, at(8, 0), at(15, 0));
    expect(raised.map((r) => r.detection.kind)).toEqual([]);
  });
});

describe('night door', () => {
  it('a front door opened before the night and left open is raised soon after the night begins', async () => {
    const events = [move(at(21, 29), 'hall'), door(at(21, 30), true), move(at(21, 35), 'bedroom')];
    const raised = await play(events, at(20, 0), at(23, 30));
    const first = firstOf(raised, 'door_open_at_night');
    expect(minutesAfter(first, at(22, 0))).toBeGreaterThan(0);
    expect(minutesAfter(first, at(22, 0))).toBeLessThanOrEqual(11);
  });
});

describe('episodes outlast the detector’s 26-hour history', () => {
  it('a stillness longer than the history raises one alert that keeps its true length', async () => {
    const raised = await play([move(at(10, 0), 'living')], at(9, 0), at(10, 0, 2));
    const alerts = raised.filter((r) => r.detection.kind === 'inactivity');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.detection.message).toMatch(/for 3 h/);
  });

  it('a room that stays cold for two days raises one warning, not one per cool-down', async () => {
    const events: Event[] = [];
    for (let m = 0; m < 48 * 60; m += 15)
      events.push(ev(at(12, m), 'temperature', 13, 'living', 'temp-living'));
    for (let h = 12; h < 60; h += 1) events.push(move(at(h, 30), 'kitchen'));
    const raised = await play(events, at(12, 0), at(12, 0, 2));
    expect(raised.filter((r) => r.detection.kind === 'room_too_cold')).toHaveLength(1);
  });

  it('a restart neither forgets a stillness in progress nor raises it twice', async () => {
    let kept: string | undefined;
    const store: EpisodeStore = {
      load: () => kept,
      save: (snapshot) => {
        kept = snapshot;
      },
    };
    const events = [move(at(9, 0), 'kitchen'), move(at(10, 0), 'living')];
    // Runs until 11:30, is down for ten minutes, then runs again from 11:40.
    expect(await play(events, at(8, 0), at(11, 30), store)).toEqual([]);
    const after = await play([], at(11, 40), at(20, 0), store);
    const alerts = after.filter((r) => r.detection.kind === 'inactivity');
    expect(alerts).toHaveLength(1);
    // Three hours of watched stillness: 10:00–11:30 and 11:40–13:10 (the ten minutes down are not
    // evidence; nor are up to five minutes before, since the last save).
    expect(minutesAfter(alerts[0], at(13, 10))).toBeGreaterThanOrEqual(0);
    expect(minutesAfter(alerts[0], at(13, 10))).toBeLessThanOrEqual(6);
    // A second restart after the alert does not raise it again.
    expect(
      (await play([], at(20, 5), at(23, 0), store)).filter((r) => r.detection.kind === 'inactivity'),
    ).toEqual([]);
  });
});

describe('wake', () => {
  it('a toilet trip at 05:30 that ends back in bed is not getting up', async () => {
    const events = [
      move(at(23, 0), 'bedroom'),
      move(at(5, 30, 1), 'hall'),
      move(at(5, 31, 1), 'bathroom'),
      move(at(5, 36, 1), 'bathroom'),
      move(at(5, 37, 1), 'hall'),
      move(at(5, 38, 1), 'bedroom'),
      move(at(6, 30, 1), 'bedroom'),
    ];
    const raised = await play(events, at(21, 0), at(12, 0, 1));
    const first = raised[0];
    expect(first?.detection.kind).toBe('not_up');
    // Usual time 08:00 plus 90 minutes of grace.
    expect(minutesAfter(first, at(9, 30, 1))).toBeGreaterThanOrEqual(0);
    expect(minutesAfter(first, at(9, 30, 1))).toBeLessThanOrEqual(1);
  });

  it('getting up after an early trip is still getting up', async () => {
    const events = [
      move(at(23, 0), 'bedroom'),
      move(at(5, 30, 1), 'bathroom'),
      move(at(5, 38, 1), 'bedroom'),
      move(at(7, 30, 1), 'hall'),
      ...Array.from({ length: 20 }, (_, i) => move(at(7, 32 + i * 3, 1), 'kitchen')),
      ...Array.from({ length: 30 }, (_, i) => move(at(8, 35 + i * 5, 1), 'living')),
    ];
    const raised = await play(events, at(21, 0), at(11, 0, 1));
    expect(raised.map((r) => r.detection.kind)).toEqual([]);
  });
});

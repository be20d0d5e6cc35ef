import type { SensorKind } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { AnomalyModel } from './anomaly.js';
import { EpisodeMemory } from './episodes.js';
import { createDetector, parseRulesConfig } from './index.js';
import { bathroomRule } from './rules/bathroom.js';
import { inactivityRule } from './rules/inactivity.js';
import { nightDoorRule } from './rules/night-door.js';
import { temperatureRule } from './rules/temperature.js';
import type { ObservedEvent } from './types.js';
import { SlidingWindow } from './window.js';

const MIN = 60_000;
const day = Date.UTC(2026, 0, 6); // a Tuesday, UTC
const at = (hh: number, mm = 0) => day + (hh * 60 + mm) * MIN;
let seq = 1;
const ev = (
  ts: number,
  kind: SensorKind,
  value: ObservedEvent['value'],
  room?: string,
  sensorId = `${kind}-${room}`,
) => ({ seq: seq++, ts, kind, value, sensorId, ...(room && { room }) }) as ObservedEvent;

function windowOf(events: ObservedEvent[], since = day - 12 * 60 * MIN) {
  const w = new SlidingWindow(since, 26 * 3600_000);
  for (const e of events) w.add(e);
  return w;
}
const config = parseRulesConfig({ timezone: 'UTC' });
/** A rule's view of `window`, with the episodes remembered from the same events. */
function ctx(window: SlidingWindow) {
  const memory = new EpisodeMemory();
  for (const e of window.events) memory.observe(e, config);
  return { window, memory };
}

describe('rules in isolation', () => {
  it('inactivity allows a long sleep at night but not a long stillness by day', () => {
    const window = windowOf([ev(at(-2, 0), 'motion', true, 'bedroom')]); // 22:00 the evening before
    expect(inactivityRule.evaluate({ ...ctx(window), now: at(6, 0), config })).toEqual([]); // 8 h asleep
    const day2 = windowOf([ev(at(9, 0), 'motion', true, 'living')]);
    expect(inactivityRule.evaluate({ ...ctx(day2), now: at(11, 59), config })).toEqual([]);
    expect(inactivityRule.evaluate({ ...ctx(day2), now: at(12, 1), config })).toMatchObject([
      { kind: 'inactivity' },
    ]);
  });

  it('does not count silence from before the hub started watching', () => {
    const window = windowOf([], at(10, 0));
    expect(inactivityRule.evaluate({ ...ctx(window), now: at(12, 0), config })).toEqual([]);
    expect(inactivityRule.evaluate({ ...ctx(window), now: at(13, 1), config })).toHaveLength(1);
  });

  it('bathroom: a stay ends as soon as the senior is seen elsewhere', () => {
    const events = [ev(at(8, 0), 'motion', true, 'bathroom'), ev(at(8, 30), 'motion', true, 'bathroom')];
    expect(bathroomRule.evaluate({ ...ctx(windowOf(events)), now: at(8, 46), config })).toMatchObject([
      { kind: 'bathroom_too_long', evidence: [{ room: 'bathroom' }, { room: 'bathroom' }] },
    ]);
    events.push(ev(at(8, 40), 'motion', true, 'hall'));
    expect(bathroomRule.evaluate({ ...ctx(windowOf(events)), now: at(8, 46), config })).toEqual([]);
  });

  it('a front door opened in the afternoon is nobody’s business; at night it is', () => {
    const door = (ts: number, open: boolean) => ev(ts, 'contact', open, 'hall', 'door-front');
    const afternoon = windowOf([door(at(15, 0), true)]);
    expect(nightDoorRule.evaluate({ ...ctx(afternoon), now: at(15, 30), config })).toEqual([]);
    const night = windowOf([
      door(at(23, 0), true),
      door(at(23, 1), false),
      ev(at(23, 5), 'motion', true, 'hall'),
    ]);
    expect(nightDoorRule.evaluate({ ...ctx(night), now: at(23, 30), config })).toEqual([]); // came back in
  });

  it('temperature: one cold reading is not enough, a cold quarter of an hour is', () => {
    const t = (ts: number, v: number) => ev(ts, 'temperature', v, 'living', 'temp-living');
    const spike = windowOf([t(at(14, 0), 20), t(at(14, 5), 12), t(at(14, 10), 20)]);
    expect(temperatureRule.evaluate({ ...ctx(spike), now: at(14, 40), config })).toEqual([]);
    const cold = windowOf([t(at(14, 0), 20), t(at(14, 5), 12), t(at(14, 15), 12.5)]);
    expect(temperatureRule.evaluate({ ...ctx(cold), now: at(14, 19), config })).toEqual([]);
    expect(temperatureRule.evaluate({ ...ctx(cold), now: at(14, 21), config })).toMatchObject([
      { kind: 'room_too_cold', evidence: [{ value: 12 }, { value: 12.5 }] },
    ]);
  });

  it('a disabled rule stays silent', () => {
    const off = parseRulesConfig({ timezone: 'UTC', bathroom: { enabled: false } });
    const window = windowOf([ev(at(8, 0), 'motion', true, 'bathroom')]);
    expect(bathroomRule.evaluate({ ...ctx(window), now: at(10, 0), config: off })).toEqual([]);
  });
});

describe('the detector and a misbehaving model', () => {
  const model = (score: () => Promise<number>): AnomalyModel => ({
    version: '9',
    sha256: 'f'.repeat(64),
    threshold: 3,
    spec: { version: 1, windowMinutes: 60, longWindowMinutes: 180, rooms: ['living'], timezone: 'UTC' },
    score: async () => ({
      score: await score(),
      contributions: new Float32Array(6),
      expected: new Float32Array(6),
    }),
  });

  it('keeps the rules running when the model fails, and logs it', async () => {
    const warnings: string[] = [];
    const clock = new FakeClock(at(9, 0));
    const failing = model(() => Promise.reject(new Error('session released')));
    const detector = createDetector({
      clock,
      model: { current: () => failing },
      log: { warn: (_o, msg) => warnings.push(msg) },
    });
    detector.warmUp([ev(at(4, 0), 'motion', true, 'living')]);
    expect(await detector.tick(at(9, 1))).toEqual([]);
    expect(warnings).toEqual(['model failed to score the window']);
    expect(await detector.observe(ev(at(9, 2), 'button', true, 'living'))).toMatchObject([
      { kind: 'pendant_pressed' },
    ]);
  });

  it('uses the senior’s own threshold over the model’s, and raises once per unusual stretch', async () => {
    let score = 4;
    const clock = new FakeClock(at(9, 0));
    const m = model(async () => score);
    const detector = createDetector({
      clock,
      model: { current: () => m },
      config: { model: { threshold: 5 }, inactivity: { enabled: false } },
    });
    detector.warmUp([ev(at(4, 0), 'motion', true, 'living')]);
    expect(await detector.tick(at(9, 1))).toEqual([]);
    score = 6;
    expect(await detector.tick(at(9, 2))).toMatchObject([{ kind: 'model_anomaly', source: 'model' }]);
    expect(await detector.tick(at(9, 3))).toEqual([]);
    expect(await detector.tick(at(13, 3))).toEqual([]); // same stretch, long after the cool-down
    score = 1;
    expect(await detector.tick(at(13, 4))).toEqual([]);
    score = 6;
    expect(await detector.tick(at(13, 5))).toMatchObject([{ kind: 'model_anomaly' }]);
  });

  it('does not let the model judge until it has a full window of history, and never alerts on the past', async () => {
    const clock = new FakeClock(at(9, 0));
    let asked = 0;
    const m = model(async () => {
      asked++;
      return 10;
    });
    const detector = createDetector({
      clock,
      model: { current: () => m },
      config: { inactivity: { enabled: false } },
    });
    expect(await detector.tick(at(9, 30))).toEqual([]);
    expect(await detector.tick(at(12, 59))).toEqual([]);
    expect(asked).toBe(0);
    expect(await detector.tick(at(13, 1))).toMatchObject([{ kind: 'model_anomaly' }]);

    clock.advance(at(13, 1) - clock.now());
    const restarted = createDetector({ clock, config: { inactivity: { enabled: false } } });
    restarted.warmUp([ev(at(8, 0), 'button', true, 'living'), ev(at(8, 1), 'motion', true, 'bathroom')]);
    expect(await restarted.tick(at(13, 2))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createDetector, RulesConfigError } from './index.js';
import type { ObservedEvent } from './types.js';

const press = (seq: number, ts: number, value: boolean | null = true): ObservedEvent => ({
  seq,
  ts,
  sensorId: 'pendant-1',
  kind: 'button',
  value,
  room: 'living',
});

describe('createDetector: the help button', () => {
  it('raises a critical pendant alert with the press as evidence', async () => {
    const clock = new FakeClock();
    const detector = createDetector({ clock });
    const [alert, ...rest] = await detector.observe(press(1, clock.now()));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ kind: 'pendant_pressed', severity: 'critical', source: 'button' });
    expect(alert?.message).toContain('living');
    expect(alert?.evidence).toEqual([
      expect.objectContaining({ seq: 1, sensorId: 'pendant-1', value: true }),
    ]);
  });

  it('ignores a release and merges repeated presses within the cool-down', async () => {
    const clock = new FakeClock();
    const detector = createDetector({ clock, config: { pendant: { cooldownMinutes: 5 } } });
    expect(await detector.observe(press(1, clock.now(), false))).toEqual([]);
    expect(await detector.observe(press(2, clock.now()))).toHaveLength(1);
    clock.advance(60_000);
    expect(await detector.observe(press(3, clock.now()))).toEqual([]);
    expect(detector.merged).toBe(1);
    clock.advance(5 * 60_000);
    expect(await detector.observe(press(4, clock.now()))).toHaveLength(1);
  });

  it('refuses invalid settings with a message naming them, keeping the old ones', () => {
    const detector = createDetector({ clock: new FakeClock() });
    expect(() => detector.setConfig({ night: { start: '25:00' } })).toThrow(RulesConfigError);
    expect(() => detector.setConfig({ timezone: 'Mars/Olympus' })).toThrow(/timezone/);
    expect(detector.config.night.start).toBe('22:00');
  });
});

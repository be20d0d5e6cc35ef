import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { placeAt, SimulatedHome } from './simulated-home.js';
import type { SensorReading } from './source.js';

const utcHour = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCHours() + d.getUTCMinutes() / 60;
};

function home(options: { speed?: number; pendantEveryMs?: number } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 0, 0, 0));
  const readings: SensorReading[] = [];
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const source = new SimulatedHome({ clock, hourOf: utcHour, random, ...options });
  return {
    clock,
    readings,
    source,
    start: () =>
      source.start((r) => {
        readings.push(r);
        return null;
      }),
  };
}

describe('SimulatedHome', () => {
  it('follows a day in the life: sleep, bathroom at night, kitchen, a walk through the front door', async () => {
    const { clock, readings, start, source } = home();
    await start();
    clock.advance(24 * 3_600_000);
    const hourOf = (r: SensorReading) => utcHour(r.ts);
    const motionIn = (id: string, from: number, to: number) =>
      readings.filter((r) => r.sensorId === id && hourOf(r) >= from && hourOf(r) < to).length;
    expect(motionIn('pir-bathroom', 3.1, 3.4)).toBeGreaterThan(0);
    expect(motionIn('pir-kitchen', 7.4, 8.3)).toBeGreaterThan(5);
    expect(motionIn('pir-kitchen', 0, 7)).toBe(0);
    expect(
      readings.filter((r) => r.sensorId === 'door-front').map((r) => [Math.floor(hourOf(r)), r.value]),
    ).toEqual([
      [15, true],
      [15, false],
      [16, true],
      [16, false],
    ]);
    expect(readings.filter((r) => r.sensorId === 'bed-pressure').map((r) => r.value)).toContain(false);
    // Every quarter hour, both midnights included.
    expect(readings.filter((r) => r.sensorId === 'temp-living')).toHaveLength(97);
    expect(readings.filter((r) => r.sensorId === 'pendant')).toHaveLength(0);
    await source.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs the day faster with a speed factor, stamping readings with the hub clock', async () => {
    const { clock, readings, start } = home({ speed: 60 });
    await start();
    clock.advance(24 * 60_000);
    expect(readings.filter((r) => r.sensorId === 'door-front')).toHaveLength(4);
    expect(Math.max(...readings.map((r) => r.ts))).toBeLessThanOrEqual(clock.now());
  });

  it('presses the pendant about once a minute in demo mode', async () => {
    const { clock, readings, start } = home({ pendantEveryMs: 60_000 });
    await start();
    clock.advance(10 * 60_000);
    const presses = readings.filter((r) => r.sensorId === 'pendant');
    expect(presses.length).toBeGreaterThanOrEqual(7);
    expect(presses.length).toBeLessThanOrEqual(15);
    expect(presses[0]).toMatchObject({ kind: 'button', value: true });
    // Worn, not installed: no room, so an alert does not claim one.
    expect(presses[0]?.room).toBeUndefined();
  });

  it('lets a technician press a sensor, and names the known ones for an unknown id', async () => {
    const { readings, start, source } = home();
    await start();
    readings.length = 0;
    source.press('pendant');
    source.press('door-front');
    expect(readings.map((r) => [r.sensorId, r.value])).toEqual([
      ['pendant', true],
      ['door-front', true],
    ]);
    expect(() => source.press('toaster')).toThrow(/no sensor 'toaster'.*pendant/);
  });

  it('knows where the senior is through the day', () => {
    expect([2, 3.2, 7.5, 10, 15.5, 23].map(placeAt)).toEqual([
      'bed',
      'bathroom',
      'kitchen',
      'living',
      'out',
      'bed',
    ]);
  });
});

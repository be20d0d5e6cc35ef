import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock.js';
import type { PairedDevice } from '../../store/hub-state.js';
import type { SensorReading } from '../source.js';
import { FakeGpioBackend } from './backend.js';
import { GpioSource } from './gpio-source.js';
import { GpioUnavailableError, readGpioChips, resolveHeaderLine } from './header-lines.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');
const sysfs = (name: string) => join(fixtures, name, 'class/gpio');
const log = pino({ level: 'silent' });

describe('header pin to sysfs line', () => {
  it('finds GPIO17 on a Pi 4 with a 6.6 kernel at base 512', () => {
    expect(resolveHeaderLine(17, readGpioChips(sysfs('sysfs-pi4-kernel6.6')))).toBe(529);
  });

  it('finds GPIO17 on a Pi 4 with an older kernel at base 0', () => {
    expect(resolveHeaderLine(17, readGpioChips(sysfs('sysfs-pi4-kernel6.1')))).toBe(17);
  });

  it('finds GPIO17 on a Pi 5 on the RP1, not on the SoC chips below it', () => {
    expect(resolveHeaderLine(17, readGpioChips(sysfs('sysfs-pi5-kernel6.6')))).toBe(588);
    expect(resolveHeaderLine(0, readGpioChips(sysfs('sysfs-pi5-kernel6.6')))).toBe(571);
  });

  it('refuses pins that are not on the header', () => {
    const chips = readGpioChips(sysfs('sysfs-pi5-kernel6.6'));
    expect(() => resolveHeaderLine(40, chips)).toThrow(/GPIO0–GPIO27/);
    expect(() => resolveHeaderLine(-1, chips)).toThrow(/whole number/);
  });

  it('says clearly when sysfs GPIO is missing and names the fix', () => {
    expect(() => readGpioChips(join(fixtures, 'no-such-sysfs'))).toThrow(GpioUnavailableError);
    expect(() => readGpioChips(join(fixtures, 'no-such-sysfs'))).toThrow(/CONFIG_GPIO_SYSFS.*bind-mount/);
  });

  it('says when no chip drives the header', () => {
    expect(() =>
      resolveHeaderLine(4, [{ name: 'gpiochip0', label: 'some-expander', base: 0, ngpio: 8 }]),
    ).toThrow(/no GPIO controller for the 40-pin header.*some-expander/);
  });
});

function setup(devices: PairedDevice[], tree = 'sysfs-pi5-kernel6.6') {
  const clock = new FakeClock();
  const backend = new FakeGpioBackend();
  const readings: SensorReading[] = [];
  const source = new GpioSource({ devices, backend, clock, log, chips: () => readGpioChips(sysfs(tree)) });
  return { clock, backend, readings, source, start: () => source.start((r) => readings.push(r)) };
}

const device = (id: string, settings: Record<string, unknown>, room = 'hall'): PairedDevice => ({
  id,
  type: 'gpio',
  settings,
  room,
  addedAt: 0,
});

describe('GpioSource', () => {
  it('debounces a bouncing door contact into one change', async () => {
    const { clock, backend, readings, start } = setup([
      device('door-front', { pin: 17, kind: 'contact', debounceMs: 50 }),
    ]);
    await start();
    expect(readings).toMatchObject([{ sensorId: 'door-front', kind: 'contact', value: false, room: 'hall' }]);
    for (const level of [1, 0, 1, 0, 1] as const) {
      backend.setLevel(588, level);
      clock.advance(10);
    }
    expect(readings).toHaveLength(1);
    clock.advance(50);
    expect(readings.map((r) => r.value)).toEqual([false, true]);
    backend.setLevel(588, 0);
    clock.advance(49);
    expect(readings).toHaveLength(2);
    clock.advance(1);
    expect(readings.map((r) => r.value)).toEqual([false, true, false]);
  });

  it('inverts active-low buttons: pulling the line to ground is a press', async () => {
    const { clock, backend, readings, start } = setup(
      [device('pendant', { pin: 4, kind: 'button', activeLow: true, debounceMs: 20 }, 'worn')],
      'sysfs-pi4-kernel6.6',
    );
    backend.setLevel(516, 1); // idle: pulled up
    await start();
    expect(readings).toEqual([]);
    backend.setLevel(516, 0);
    clock.advance(20);
    expect(readings).toMatchObject([{ sensorId: 'pendant', kind: 'button', value: true }]);
  });

  it('reports a sensor it cannot open as unavailable and keeps the others', async () => {
    const { clock, backend, readings, start } = setup([
      device('pir-kitchen', { pin: 22, kind: 'motion' }, 'kitchen'),
      device('mat-bed', { pin: 27, kind: 'pressure' }, 'bedroom'),
      device('bad', { pin: 99, kind: 'motion' }),
    ]);
    backend.break(571 + 22, 'EBUSY: line in use');
    await start();
    expect(readings.map((r) => [r.sensorId, r.kind, r.value])).toEqual([
      ['pir-kitchen', 'availability', false],
      ['mat-bed', 'pressure', false],
      ['bad', 'availability', false],
    ]);
    backend.setLevel(571 + 27, 1);
    clock.advance(50);
    expect(readings.at(-1)).toMatchObject({ sensorId: 'mat-bed', value: true });
  });

  it('marks every GPIO sensor unavailable when sysfs GPIO is missing, without failing the agent', async () => {
    const { readings, start } = setup([device('pir', { pin: 5, kind: 'motion' })], 'no-such-tree');
    await expect(start()).resolves.toBeUndefined();
    expect(readings).toMatchObject([{ sensorId: 'pir', kind: 'availability', value: false }]);
  });

  it('releases its lines and timers on stop', async () => {
    const { clock, backend, start, source } = setup([device('door', { pin: 17, kind: 'contact' })]);
    await start();
    backend.setLevel(588, 1);
    await source.stop();
    expect(backend.opened.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});

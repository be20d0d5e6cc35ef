import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { AvailabilityMonitor } from './availability.js';
import type { SensorReading } from './source.js';

function setup() {
  const clock = new FakeClock();
  const emitted: SensorReading[] = [];
  const monitor = new AvailabilityMonitor({
    clock,
    emit: (r) => emitted.push(r),
    defaultHeartbeatMs: 60_000,
    checkEveryMs: 5_000,
  });
  const hear = (
    sensorId: string,
    kind: SensorReading['kind'] = 'heartbeat',
    value: SensorReading['value'] = null,
  ) => monitor.observe({ sensorId, kind, value, ts: clock.now() });
  return { clock, emitted, monitor, hear };
}

describe('AvailabilityMonitor', () => {
  it('marks a silent device unavailable once, and available again when it returns', async () => {
    const { clock, emitted, monitor, hear } = setup();
    await monitor.start();
    monitor.expect('temp-bedroom', 30_000, 'bedroom');
    clock.advance(70_000);
    hear('temp-bedroom', 'temperature', 19.5);
    clock.advance(70_000);
    expect(emitted).toEqual([]);
    clock.advance(10_000); // 80 s of silence > 2.5 × 30 s
    expect(emitted).toMatchObject([
      { sensorId: 'temp-bedroom', kind: 'availability', value: false, room: 'bedroom' },
    ]);
    clock.advance(600_000);
    expect(emitted).toHaveLength(1);
    hear('temp-bedroom', 'temperature', 19);
    expect(emitted.map((r) => r.value)).toEqual([false, true]);
    await monitor.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('expects a device that sends heartbeats at the default interval', async () => {
    const { clock, emitted, monitor, hear } = setup();
    await monitor.start();
    hear('node3');
    clock.advance(145_000);
    expect(emitted).toEqual([]);
    clock.advance(10_000);
    expect(emitted).toMatchObject([{ sensorId: 'node3', value: false }]);
  });

  it('ignores sensors with no expected heartbeat: a quiet motion sensor is not a dead one', async () => {
    const { clock, emitted, monitor, hear } = setup();
    await monitor.start();
    hear('pir-kitchen', 'motion', true);
    clock.advance(24 * 3_600_000);
    expect(emitted).toEqual([]);
  });

  it('takes a source reporting the device unavailable into account', () => {
    const { emitted, monitor, hear } = setup();
    monitor.expect('door', 60_000);
    hear('door', 'availability', false);
    hear('door', 'contact', true);
    expect(emitted).toMatchObject([{ sensorId: 'door', value: true }]);
  });
});

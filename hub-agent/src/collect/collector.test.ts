import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createDetector } from '../detect/index.js';
import type { Detection, Detector, ObservedEvent } from '../detect/types.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import { Collector } from './collector.js';

const log = pino({ level: 'silent' });

function setup(detector?: Detector) {
  const clock = new FakeClock();
  const store = new MemoryOutboxStore();
  const acted: { seq: number; heldWhenActing: boolean }[] = [];
  const collector = new Collector({
    store,
    clock,
    log,
    detector: detector ?? createDetector({ clock }),
    onSeriousAlert: (alert, entry) => {
      acted.push({
        seq: entry.seq,
        heldWhenActing: store.pendingAlerts(10).some((e) => e.alert?.alertId === alert.alertId),
      });
    },
  });
  return { clock, store, collector, acted };
}

describe('Collector', () => {
  it('commits a pendant press, then commits the alert it raises, and only then acts on it', async () => {
    const { clock, store, collector, acted } = setup();
    const entry = collector.record({
      sensorId: 'pendant',
      kind: 'button',
      value: true,
      room: 'worn',
      ts: clock.now(),
    });
    expect(entry?.seq).toBe(1);
    expect(store.pending(10)).toHaveLength(1);
    await collector.settled();
    const [, alert] = store.pending(10);
    expect(alert).toMatchObject({ seq: 2, sensorId: 'hub', kind: 'alert', value: null });
    expect(alert?.alert).toMatchObject({ kind: 'pendant_pressed', severity: 'critical', source: 'button' });
    expect(acted).toEqual([{ seq: 2, heldWhenActing: true }]);
  });

  it('refuses a reading that breaks the event rules, counting it, without blocking the next', async () => {
    const { clock, store, collector } = setup();
    expect(
      collector.record({ sensorId: 'x'.repeat(65), kind: 'motion', value: true, ts: clock.now() }),
    ).toBeNull();
    expect(
      collector.record({ sensorId: 'pir', kind: 'smell' as 'motion', value: true, ts: clock.now() }),
    ).toBeNull();
    expect(collector.record({ sensorId: 'pir', kind: 'motion', value: true, ts: Number.NaN })).toBeNull();
    collector.record({ sensorId: 'pir', kind: 'motion', value: true, ts: clock.now() });
    expect(store.pending(10).map((e) => e.sensorId)).toEqual(['pir']);
    expect(collector.stats()).toMatchObject({ rejected: 3, committed: 1 });
    expect(collector.stats().lastRejection).toBe('pir: ts is not a number');
  });

  it('detects in commit order even when detection is slow, and keeps going after it fails', async () => {
    const seen: number[] = [];
    const detector: Detector = {
      async observe(event: ObservedEvent): Promise<Detection[]> {
        await new Promise((r) => setTimeout(r, event.seq === 1 ? 30 : 0));
        seen.push(event.seq);
        if (event.seq === 2) throw new Error('rule crashed');
        return [];
      },
      async tick() {
        return [];
      },
    };
    const { clock, collector } = setup(detector);
    for (let i = 0; i < 3; i++)
      collector.record({ sensorId: 'pir', kind: 'motion', value: true, ts: clock.now() });
    await collector.settled();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('runs time-based detection on its tick and stops cleanly', async () => {
    const ticks: number[] = [];
    const detector: Detector = {
      observe: async () => [],
      tick: async (now) => {
        ticks.push(now);
        return [
          {
            kind: 'inactivity',
            severity: 'warning',
            source: 'rule',
            message: 'No movement since noon.',
            evidence: [],
          },
        ];
      },
    };
    const { clock, store, collector, acted } = setup(detector);
    await collector.start();
    clock.advance(60_000 * 3);
    await collector.settled();
    expect(ticks).toHaveLength(3);
    expect(store.pendingAlerts(10)).toHaveLength(3);
    expect(acted).toEqual([]);
    await collector.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

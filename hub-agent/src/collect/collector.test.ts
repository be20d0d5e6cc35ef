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

  it('refuses at the source a reading the cloud could not store, saying why in the log', () => {
    const lines: { sensorId?: string; reason?: string; msg?: string }[] = [];
    const clock = new FakeClock();
    const store = new MemoryOutboxStore();
    const collector = new Collector({
      store,
      clock,
      detector: createDetector({ clock }),
      log: pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) }),
    });
    const ok = { sensorId: 'temp', kind: 'temperature' as const, value: 21, ts: clock.now() };
    const refused = [
      { ...ok, value: 'a\u0000b' },
      { ...ok, sensorId: 'temp\u0000' },
      { ...ok, room: 'hall\ud800' },
      { ...ok, value: 'x\udc00' },
      { ...ok, ts: Date.parse('0000-06-01T00:00:00Z') },
      { ...ok, ts: 8.64e15 },
    ];
    for (const reading of refused) expect(collector.record(reading)).toBeNull();
    // A well-formed pair (an emoji) is not a lone surrogate.
    expect(collector.record({ ...ok, value: 'warm \ud83d\udd25' })).not.toBeNull();
    expect(store.pending(10)).toHaveLength(1);
    expect(collector.stats()).toMatchObject({ rejected: 6, committed: 1 });
    expect(lines.map((l) => l.reason)).toEqual([
      // The shared reading schema refuses these first, with the same words the cloud would answer.
      'value: must not contain the NUL character (U+0000)',
      'sensorId: must not contain the NUL character (U+0000)',
      'room: must not contain a lone UTF-16 surrogate',
      'value: must not contain a lone UTF-16 surrogate',
      expect.stringMatching(/outside the years 0001–9999/),
      expect.stringMatching(/outside the years 0001–9999/),
    ]);
    expect(lines[1]?.sensorId).toBe('temp\uFFFD');
    expect(lines.every((l) => l.msg === 'reading refused: the cloud could not store it')).toBe(true);
  });

  it('raises an alert whose evidence the cloud could not store, without that evidence', async () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) deep = { deeper: deep };
    const detector: Detector = {
      observe: async () => [
        { kind: 'odd', severity: 'warning', source: 'rule', message: 'Odd\u0000.', evidence: [{ deep }] },
      ],
      tick: async () => [],
    };
    const { clock, store, collector } = setup(detector);
    collector.record({ sensorId: 'pir', kind: 'motion', value: true, ts: clock.now() });
    await collector.settled();
    expect(store.pendingAlerts(10)[0]?.alert).toMatchObject({ message: 'Odd\uFFFD.', evidence: [] });
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
    expect(collector.stats()).toMatchObject({ ticks: 0, lastTickAt: null });
    clock.advance(60_000 * 3);
    await collector.settled();
    expect(ticks).toHaveLength(3);
    // What the upgrade health gate reads as "detection ticking".
    expect(collector.stats()).toMatchObject({ ticks: 3, lastTickAt: clock.now() });
    expect(store.pendingAlerts(10)).toHaveLength(3);
    expect(acted).toEqual([]);
    await collector.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

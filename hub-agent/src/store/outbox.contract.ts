import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewOutboxEntry, OutboxStore } from './outbox.js';

/** One suite for every OutboxStore: the SQLite store and the in-memory one must behave alike. */
export function outboxContract(name: string, open: () => { store: OutboxStore }): void {
  const reading = (ts: number, sensorId = 'pir-kitchen'): NewOutboxEntry => ({
    ts,
    sensorId,
    kind: 'motion',
    value: true,
    room: 'kitchen',
  });
  const alert = (ts: number): NewOutboxEntry => ({
    ts,
    sensorId: 'hub',
    kind: 'alert',
    value: null,
    alert: {
      alertId: randomUUID(),
      kind: 'pendant_pressed',
      severity: 'critical',
      source: 'button',
      message: 'The pendant was pressed.',
      evidence: [{ seq: 1 }],
    },
  });

  describe(`OutboxStore contract: ${name}`, () => {
    it('assigns consecutive seqs at commit and returns what was stored', () => {
      const { store } = open();
      const first = store.append([reading(1000), reading(2000, 'door-front')]);
      const second = store.append([alert(3000)]);
      expect([...first, ...second].map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(store.pending(10)).toEqual([...first, ...second]);
      expect(store.pending(10)[2]?.alert?.kind).toBe('pendant_pressed');
      expect(store.pending(10)[0]).toMatchObject({ room: 'kitchen', value: true, bootId: store.bootId });
      store.close();
    });

    it('keeps every value type intact', () => {
      const { store } = open();
      store.append([
        { ts: 1, sensorId: 't', kind: 'temperature', value: 21.5 },
        { ts: 2, sensorId: 'b', kind: 'button', value: 'pressed' },
        { ts: 3, sensorId: 'a', kind: 'availability', value: false },
        { ts: 4, sensorId: 'h', kind: 'heartbeat', value: null },
      ]);
      expect(store.pending(10).map((e) => e.value)).toEqual([21.5, 'pressed', false, null]);
      store.close();
    });

    it('advances the cursor only forwards and never past the last seq', () => {
      const { store } = open();
      store.append([reading(1), reading(2), reading(3)]);
      expect(store.acknowledge(2, 500)).toBe(2);
      expect(store.acknowledge(1, 600)).toBe(2);
      expect(store.pending(10).map((e) => e.seq)).toEqual([3]);
      expect(store.acknowledge(99, 700)).toBe(3);
      expect(store.stats()).toMatchObject({ lastSeq: 3, ackedThroughSeq: 3, backlog: 0, lastUploadAt: 700 });
      store.close();
    });

    it('lists pending alerts apart from readings', () => {
      const { store } = open();
      store.append([reading(1), alert(2), reading(3), alert(4)]);
      store.acknowledge(2, 10);
      expect(store.pendingAlerts(10).map((e) => e.seq)).toEqual([4]);
      expect(store.stats()).toMatchObject({ backlog: 2, pendingAlerts: 1 });
      store.close();
    });

    it('under quota forgets uploaded entries first, then the oldest readings, never alerts', () => {
      const { store } = open();
      store.append([reading(1), reading(2), alert(3), reading(4), reading(5), alert(6), reading(7)]);
      store.acknowledge(1, 10);
      expect(store.enforceQuota(4)).toBe(2);
      expect(store.pending(10).map((e) => e.seq)).toEqual([3, 5, 6, 7]);
      expect(store.stats()).toMatchObject({ droppedReadings: 2, pendingAlerts: 2 });
      // Even a quota smaller than the alerts keeps every alert.
      store.enforceQuota(0);
      expect(store.pending(10).map((e) => e.seq)).toEqual([3, 6]);
      expect(store.stats().droppedReadings).toBe(4);
      // Seqs keep rising after rows were removed.
      expect(store.append([reading(8)])[0]?.seq).toBe(8);
      store.close();
    });

    it('corrects the timestamps taken on an unsynchronised clock, only for entries not yet uploaded', () => {
      const { store } = open();
      store.append([
        { ...reading(1000), clockUnsynced: true, monoMs: 5000 },
        { ...reading(2000), clockUnsynced: true, monoMs: 6000 },
        { ...reading(3000), monoMs: 7000 },
      ]);
      store.acknowledge(1, 1);
      expect(store.correctUnsyncedTimestamps((mono) => 1_700_000_000_000 + mono)).toBe(1);
      const [second, third] = store.pending(10);
      expect(second).toMatchObject({ seq: 2, ts: 1_700_000_006_000, clockUnsynced: false });
      expect(third).toMatchObject({ seq: 3, ts: 3000 });
      store.close();
    });

    it('commits what goes alongside with the entries, or nothing at all when it fails', () => {
      const { store } = open();
      const noted: number[] = [];
      store.append([reading(1)], { alongside: () => noted.push(1) });
      expect(noted).toEqual([1]);
      expect(() =>
        store.append([reading(2), reading(3)], {
          alongside: () => {
            throw new Error('disk full');
          },
        }),
      ).toThrow(/disk full/);
      expect(store.lastSeq()).toBe(1);
      expect(store.pending(10).map((e) => e.seq)).toEqual([1]);
      expect(store.append([reading(4)])[0]?.seq).toBe(2);
      store.close();
    });

    it('refuses to work once closed', () => {
      const { store } = open();
      store.close();
      expect(() => store.append([reading(1)])).toThrow();
    });
  });
}

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from './memory-outbox.js';
import type { NewOutboxEntry, OutboxStore } from './outbox.js';
import { enforceOutboxQuota } from './quota.js';
import { openSqliteOutbox } from './sqlite-outbox.js';

const reading = (i: number): NewOutboxEntry => ({
  ts: i,
  sensorId: 'temp-living',
  kind: 'temperature',
  value: 20 + (i % 10) / 10,
  room: 'living',
});
const alert = (i: number): NewOutboxEntry => ({
  ts: i,
  sensorId: 'hub',
  kind: 'alert',
  value: null,
  alert: {
    alertId: randomUUID(),
    kind: 'pendant_pressed',
    severity: 'critical',
    source: 'button',
    message: 'Help.',
    evidence: [],
  },
});

const targets: [string, () => OutboxStore][] = [
  [
    'SQLite',
    () => openSqliteOutbox({ path: join(mkdtempSync(join(tmpdir(), 'hearth-quota-')), 'o.db'), bootId: 'b' }),
  ],
  ['in memory', () => new MemoryOutboxStore()],
];

describe.each(targets)('outbox disk quota (%s)', (_name, open) => {
  it('trims a full outbox below its byte limit, dropping the oldest readings and never an alert', () => {
    const store = open();
    for (let batch = 0; batch < 20; batch++) {
      store.append(Array.from({ length: 999 }, (_, i) => reading(batch * 1000 + i)));
      store.append([alert(batch * 1000 + 999)]);
    }
    const full = store.storageBytes();
    const dropped = enforceOutboxQuota(store, { maxEntries: 1_000_000, maxBytes: Math.floor(full / 2) });
    expect(dropped).toBeGreaterThan(9000);
    expect(store.storageBytes()).toBeLessThanOrEqual(full / 2);
    expect(store.stats()).toMatchObject({ pendingAlerts: 20, droppedReadings: dropped, lastSeq: 20_000 });
    // The newest readings are the ones kept.
    const held = store.pending(100_000).filter((e) => !e.alert);
    expect(held.at(-1)?.seq).toBe(19_999);
    expect(held[0]!.seq).toBeGreaterThan(dropped);
    store.close();
  });

  it('does nothing within the quota', () => {
    const store = open();
    store.append(Array.from({ length: 100 }, (_, i) => reading(i)));
    expect(enforceOutboxQuota(store, { maxEntries: 1000, maxBytes: 1e9 })).toBe(0);
    expect(store.stats().backlog).toBe(100);
    store.close();
  });
});

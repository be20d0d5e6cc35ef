import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type HubStateStore, MemoryHubState } from './hub-state.js';
import { openSqliteOutbox } from './sqlite-outbox.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'hearth-state-')), 'outbox.db');

/** One suite for every HubStateStore: SQLite and in memory must behave alike. */
function hubStateContract(name: string, open: () => { state: HubStateStore; close(): void }) {
  describe(`HubStateStore contract: ${name}`, () => {
    it('stores settings', () => {
      const { state, close } = open();
      state.settings.set('uplink.hubId', 'a');
      state.settings.set('uplink.hubId', 'b');
      expect(state.settings.get('uplink.hubId')).toBe('b');
      expect(state.settings.get('missing')).toBeUndefined();
      close();
    });

    it('stores paired devices, sorted by id', () => {
      const { state, close } = open();
      state.devices.put({
        id: 'pir-kitchen',
        type: 'gpio',
        settings: { pin: 17 },
        room: 'kitchen',
        addedAt: 1,
      });
      state.devices.put({ id: 'door-front', type: 'gpio', settings: { pin: 27 }, addedAt: 2 });
      expect(state.devices.list().map((d) => d.id)).toEqual(['door-front', 'pir-kitchen']);
      expect(state.devices.list()[1]).toEqual({
        id: 'pir-kitchen',
        type: 'gpio',
        settings: { pin: 17 },
        room: 'kitchen',
        addedAt: 1,
      });
      expect(state.devices.remove('door-front')).toBe(true);
      expect(state.devices.remove('door-front')).toBe(false);
      close();
    });

    it('keeps the alert ledger and the serial notes', () => {
      const { state, close } = open();
      expect(state.alertLedger.load()).toBeUndefined();
      state.alertLedger.save('{"version":1,"records":[]}');
      expect(state.alertLedger.load()).toBe('{"version":1,"records":[]}');
      expect(state.serialNotes.get('hall')).toBeUndefined();
      state.serialNotes.put('hall', { bootId: 42, seqs: [1, 2, 3] });
      state.serialNotes.put('hall', { bootId: 43, seqs: [1] });
      expect(state.serialNotes.get('hall')).toEqual({ bootId: 43, seqs: [1] });
      close();
    });
  });
}

hubStateContract('in memory', () => ({ state: new MemoryHubState(), close() {} }));
hubStateContract('SQLite', () => {
  const store = openSqliteOutbox({ path: tempDb(), bootId: 'b' });
  return { state: store.state, close: () => store.close() };
});

describe('a hub database written before hub state had tables of its own', () => {
  it('is carried forward on open: ledger and serial notes move out of settings, the rest stays', () => {
    const path = tempDb();
    // The schema every hub in the field has (version 1), with the state it kept in `settings`.
    const old = new Database(path);
    old.exec(`CREATE TABLE outbox (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, sensor_id TEXT NOT NULL,
        kind TEXT NOT NULL, value TEXT, room TEXT, boot_id TEXT NOT NULL, clock_unsynced INTEGER NOT NULL DEFAULT 0,
        mono_ms INTEGER, alert TEXT, is_alert INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE seq_counter (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
      INSERT INTO seq_counter VALUES (1, 1);
      CREATE TABLE upload_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), acked_through_seq INTEGER NOT NULL, last_upload_at INTEGER);
      INSERT INTO upload_cursor (id, acked_through_seq) VALUES (1, 0);
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE devices (id TEXT PRIMARY KEY, type TEXT NOT NULL, settings TEXT NOT NULL, room TEXT, added_at INTEGER NOT NULL);
      INSERT INTO outbox (seq, ts, sensor_id, kind, value, boot_id) VALUES (1, 1000, 'hall/temp', 'temperature', '21', 'b0');
      INSERT INTO devices VALUES ('hall', 'serial', '{"path":"/dev/ttyUSB0"}', 'hall', 5);
      INSERT INTO settings VALUES ('uplink.hubId', 'hub-1');
      INSERT INTO settings VALUES ('alerts.ledger', '{"version":1,"records":[]}');
      INSERT INTO settings VALUES ('serial.delivered.hall', '{"bootId":42,"seqs":[7,8]}');
      INSERT INTO settings VALUES ('serial.delivered.attic', 'not json');
      PRAGMA user_version = 1;`);
    old.close();

    const store = openSqliteOutbox({ path, bootId: 'b1' });
    expect(store.pending(10).map((e) => e.sensorId)).toEqual(['hall/temp']);
    expect(store.state.devices.list().map((d) => d.id)).toEqual(['hall']);
    expect(store.state.settings.get('uplink.hubId')).toBe('hub-1');
    expect(store.state.alertLedger.load()).toBe('{"version":1,"records":[]}');
    expect(store.state.serialNotes.get('hall')).toEqual({ bootId: 42, seqs: [7, 8] });
    // A damaged note is left behind: that node's frames count as new, as they did before.
    expect(store.state.serialNotes.get('attic')).toBeUndefined();
    expect(store.state.settings.get('alerts.ledger')).toBeUndefined();
    expect(store.state.settings.get('serial.delivered.hall')).toBeUndefined();
    store.close();
  });
});

describe('the outbox counters the CLI reads while the agent is down', () => {
  it('reads them without writing: a read-only look at the database', async () => {
    const { readOutboxSnapshot } = await import('./read-stats.js');
    const path = tempDb();
    const store = openSqliteOutbox({ path, bootId: 'b' });
    store.append([1, 2, 3].map((ts) => ({ ts, sensorId: 'pir', kind: 'motion' as const, value: true })));
    store.acknowledge(1, 10);
    store.close();
    expect(readOutboxSnapshot(path)).toEqual({ lastSeq: 3, ackedThroughSeq: 1, backlog: 2 });
    expect(() => readOutboxSnapshot(`${path}.missing`)).toThrow();
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RobotCommand } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { type HubStateStore, MemoryHubState } from './hub-state.js';
import { openSqliteOutbox } from './sqlite-outbox.js';

const command = (id: string): RobotCommand => ({
  id,
  type: 'safety_check',
  room: 'bathroom',
  issuedAt: '2026-11-30T08:00:00.000Z',
  deadline: '2026-11-30T08:00:30.000Z',
});

/** One suite for the robot tables of every HubStateStore: SQLite and in memory must behave alike. */
function robotTablesContract(name: string, open: () => { state: HubStateStore; close(): void }) {
  describe(`robot tables: ${name}`, () => {
    it('pairs a robot once, keeps its last status, and forgets it when removed', () => {
      const { state, close } = open();
      expect(state.robots.add('r2', 'hash-2', 10)).toBe(true);
      expect(state.robots.add('r1', 'hash-1', 11)).toBe(true);
      expect(state.robots.add('r1', 'other', 12)).toBe(false);
      state.robots.noteStatus('r1', { state: 'docked', battery: 80, room: 'hall', at: 20 }, 21);
      state.robots.noteSeen('r2', 30);
      state.robots.noteSeen('ghost', 30);
      expect(state.robots.list()).toEqual([
        {
          robotId: 'r1',
          passwordHash: 'hash-1',
          addedAt: 11,
          state: 'docked',
          battery: 80,
          room: 'hall',
          statusAt: 20,
          lastSeenAt: 21,
        },
        expect.objectContaining({ robotId: 'r2', passwordHash: 'hash-2', state: null, lastSeenAt: 30 }),
      ]);
      expect(state.robots.remove('r1')).toBe(true);
      expect(state.robots.remove('r1')).toBe(false);
      expect(state.robots.get('r1')).toBeUndefined();
      close();
    });

    it('moves a command forward only: repeats, strangers and closed commands change nothing', () => {
      const { state, close } = open();
      const ledger = state.robotCommands;
      ledger.record('r1', command('c-1'), { by: 'hub' }, 100);
      expect(() => ledger.record('r1', command('c-1'), { by: 'hub' }, 101)).toThrow();
      expect(ledger.unacknowledged().map((e) => e.id)).toEqual(['c-1']);
      expect(ledger.markSent('c-1', 110)).toMatchObject({ state: 'sent', sentAt: 110, sendCount: 1 });
      expect(ledger.markSent('c-1', 120)).toMatchObject({ state: 'sent', sentAt: 110, sendCount: 2 });
      expect(ledger.ack('r2', { id: 'c-1', accepted: true }, 130)).toBeNull();
      expect(ledger.ack('r1', { id: 'c-1', accepted: true }, 130)).toMatchObject({
        state: 'acked',
        ackedAt: 130,
      });
      expect(ledger.ack('r1', { id: 'c-1', accepted: true }, 131)).toBeNull();
      expect(ledger.unacknowledged()).toEqual([]);
      expect(ledger.open().map((e) => e.id)).toEqual(['c-1']);
      const moving = { id: 'c-1', state: 'moving' as const, room: 'hall' };
      expect(ledger.progress('r1', moving, 140)?.progress).toEqual(moving);
      expect(ledger.progress('r1', moving, 141)).toBeNull();
      const result = { id: 'c-1', outcome: 'ok' as const, at: '2026-11-30T08:00:10.000Z' };
      expect(ledger.result('r1', result, 150)).toMatchObject({ state: 'done', result, resultAt: 150 });
      expect(ledger.result('r1', result, 151)).toBeNull();
      expect(ledger.expire('c-1', 'late')).toBeNull();
      expect(ledger.cancel('c-1', 'person')).toBeNull();
      expect(ledger.open()).toEqual([]);
      close();
    });

    it('closes open commands by expiry or cancellation, and lists the latest first', () => {
      const { state, close } = open();
      const ledger = state.robotCommands;
      ledger.record('r1', command('c-1'), { by: 'hub' }, 100);
      ledger.record('r1', command('c-2'), { by: 'staff', staffId: 's-1', checkId: 'k-1' }, 100);
      ledger.record('r1', command('c-3'), { by: 'hub' }, 200);
      expect(ledger.expire('c-1', 'deadline passed')).toMatchObject({
        state: 'expired',
        closedReason: 'deadline passed',
      });
      expect(ledger.cancel('c-2', 'a person took over')).toMatchObject({ state: 'cancelled' });
      expect(ledger.ack('r1', { id: 'c-3', accepted: false, reason: 'busy' }, 210)?.state).toBe('refused');
      expect(ledger.recent(2).map((e) => e.id)).toEqual(['c-3', 'c-2']);
      expect(ledger.get('c-2')?.requestedBy).toEqual({ by: 'staff', staffId: 's-1', checkId: 'k-1' });
      expect(ledger.open()).toEqual([]);
      close();
    });
  });
}

robotTablesContract('in memory', () => ({ state: new MemoryHubState(), close() {} }));
robotTablesContract('SQLite', () => {
  const store = openSqliteOutbox({
    path: join(mkdtempSync(join(tmpdir(), 'hearth-robot-tables-')), 'outbox.db'),
    bootId: 'b',
  });
  return { state: store.state, close: () => store.close() };
});

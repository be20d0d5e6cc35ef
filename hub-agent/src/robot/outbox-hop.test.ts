import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SensorEvent } from '@hearth/shared';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../store/robot-tables.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { toWireEvent } from '../uplink/wire.js';
import { outboxEntryOf } from './commander.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-outbox-hop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry: LedgerEntry = {
  id: 'c-1',
  robotId: 'r1',
  command: {
    id: 'c-1',
    type: 'safety_check',
    room: 'bathroom',
    issuedAt: '2026-11-30T08:00:00.000Z',
    deadline: '2026-11-30T08:00:30.000Z',
  },
  requestedBy: { by: 'staff', staffId: 's-1', checkId: 'chk-1' },
  state: 'done',
  createdAt: 0,
  deadline: 0,
  sentAt: 0,
  sendCount: 1,
  ackedAt: 0,
  ack: { id: 'c-1', accepted: true },
  progress: null,
  progressAt: null,
  result: { id: 'c-1', outcome: 'needs_help', detail: 'senior on the floor', at: '2026-11-30T08:02:00.000Z' },
  resultAt: 0,
  closedReason: null,
};

describe('a robot hop in the outbox', () => {
  it('survives the SQLite outbox and reaches the wire as a valid event of kind robot', () => {
    const path = join(dir, 'outbox.db');
    const store = openSqliteOutbox({ path, bootId: 'b' });
    store.append([outboxEntryOf({ type: 'result', entry }, Date.parse('2026-11-30T08:02:01.000Z'))]);
    store.close();
    const reopened = openSqliteOutbox({ path, bootId: 'b' });
    const [held] = reopened.pending(10);
    reopened.close();
    const event = SensorEvent.parse(toWireEvent(held!, '6f1c2d1e-8a3b-4c5d-9e0f-112233445566'));
    expect(event).toMatchObject({
      kind: 'robot',
      sensorId: 'robot:r1',
      value: 'needs_help',
      room: 'bathroom',
    });
    expect(event.robot).toEqual({
      type: 'result',
      robotId: 'r1',
      commandId: 'c-1',
      requestedBy: { by: 'staff', staffId: 's-1', checkId: 'chk-1' },
      result: entry.result,
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RobotEvent } from '@hearth/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { type CommandHop, RobotCommander } from './commander.js';
import { FakeRobotLink } from './link/fake-link.js';

let dir: string;
let clock: FakeClock;
let link: FakeRobotLink;
let outbox: MemoryOutboxStore;
let commander: RobotCommander;
let hops: CommandHop[];
let dbs: { close(): void }[];

function build(path = join(dir, 'outbox.db')): RobotCommander {
  const db = openSqliteOutbox({ path, bootId: 'test' });
  dbs.push(db);
  const c = new RobotCommander({
    ledger: db.state.robotCommands,
    link,
    clock,
    log: pino({ level: 'silent' }),
    record: (entry) => outbox.append([entry]),
    resultTimeoutMs: 600_000,
  });
  c.onHop((hop) => hops.push(hop));
  return c;
}
const robotEvents = () => outbox.pending(1000).map((e) => RobotEvent.parse(e.robot));
const check = {
  robotId: 'r1',
  type: 'safety_check' as const,
  room: 'bathroom',
  requestedBy: { by: 'hub' as const },
  ackTimeoutMs: 30_000,
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-commander-'));
  clock = new FakeClock();
  link = new FakeRobotLink();
  outbox = new MemoryOutboxStore();
  hops = [];
  dbs = [];
  commander = build();
  await commander.start();
});
afterEach(async () => {
  await commander.stop();
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RobotCommander', () => {
  it('records, sends, and follows a check to its result, committing each hop once', async () => {
    await link.start();
    const entry = commander.issue(check);
    await Promise.resolve();
    expect(link.sent).toEqual([{ robotId: 'r1', command: entry.command }]);
    link.publish('hearth/robot/r1/ack', { id: entry.id, accepted: true });
    link.publish('hearth/robot/r1/progress', { id: entry.id, state: 'moving', room: 'bathroom' });
    link.publish('hearth/robot/r1/result', {
      id: entry.id,
      outcome: 'ok',
      at: new Date(clock.now()).toISOString(),
    });
    // QoS 1 may deliver twice: repeats change nothing.
    link.publish('hearth/robot/r1/ack', { id: entry.id, accepted: true });
    link.publish('hearth/robot/r1/result', {
      id: entry.id,
      outcome: 'ok',
      at: new Date(clock.now()).toISOString(),
    });
    expect(robotEvents().map((e) => e.type)).toEqual(['sent', 'ack', 'progress', 'result']);
    expect(outbox.pending(10).map((e) => [e.kind, e.sensorId, e.value])).toEqual([
      ['robot', 'robot:r1', 'sent'],
      ['robot', 'robot:r1', 'acked'],
      ['robot', 'robot:r1', 'moving'],
      ['robot', 'robot:r1', 'ok'],
    ]);
    clock.advance(3_600_000);
    expect(hops.map((h) => h.type)).toEqual(['sent', 'ack', 'progress', 'result']);
  });

  it('resends an unacknowledged command on every reconnection until its deadline, then expires it', async () => {
    const entry = commander.issue(check);
    expect(link.sent).toEqual([]);
    await link.start();
    await Promise.resolve();
    link.cut();
    link.restore();
    await Promise.resolve();
    expect(link.sent.map((s) => s.command.id)).toEqual([entry.id, entry.id]);
    expect(robotEvents().map((e) => e.type)).toEqual(['sent']);
    clock.advance(30_000);
    expect(hops.at(-1)).toMatchObject({
      type: 'expired',
      reason: expect.stringMatching(/did not acknowledge/),
    });
    link.cut();
    link.restore();
    await Promise.resolve();
    expect(link.sent).toHaveLength(2);
    // A late ack does not reopen it.
    link.publish('hearth/robot/r1/ack', { id: entry.id, accepted: true });
    expect(robotEvents().map((e) => e.type)).toEqual(['sent', 'expired']);
  });

  it('expires an acknowledged check that never reports a result', async () => {
    await link.start();
    const entry = commander.issue(check);
    link.publish('hearth/robot/r1/ack', { id: entry.id, accepted: true });
    clock.advance(599_999);
    expect(hops.map((h) => h.type)).toEqual(['sent', 'ack']);
    clock.advance(1);
    expect(hops.at(-1)).toMatchObject({ type: 'expired', reason: expect.stringMatching(/result/) });
  });

  it("ignores another robot's answer to this robot's command", async () => {
    await link.start();
    const entry = commander.issue(check);
    await Promise.resolve();
    link.publish('hearth/robot/r2/result', {
      id: entry.id,
      outcome: 'ok',
      at: new Date(clock.now()).toISOString(),
    });
    expect(hops.map((h) => h.type)).toEqual(['sent']);
  });

  it('takes up open commands after a restart: resent on connection, expired at the deadline', async () => {
    const entry = commander.issue(check);
    await commander.stop();
    const restarted = build();
    await restarted.start();
    await link.start();
    await Promise.resolve();
    expect(link.sent.map((s) => s.command.id)).toEqual([entry.id]);
    clock.advance(30_000);
    expect(hops.at(-1)?.type).toBe('expired');
    await restarted.stop();
  });

  it('stops a command when cancelled: no resend, no expiry', async () => {
    const entry = commander.issue(check);
    expect(commander.cancel(entry.id, 'a person acknowledged the alert')).toBe(true);
    await link.start();
    clock.advance(60_000);
    expect(link.sent).toEqual([]);
    expect(robotEvents().map((e) => e.type)).toEqual(['cancelled']);
    expect(commander.cancel(entry.id, 'again')).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RaisedAlert, SafetyCheckReport } from '@hearth/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertLedger } from '../alerts/alert-ledger.js';
import { FakeClock } from '../clock.js';
import type { SensorReading } from '../sensors/source.js';
import { MemoryHubState } from '../store/hub-state.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import type { OutboxEntry } from '../store/outbox.js';
import { RobotCommander } from './commander.js';
import { RobotFleet } from './fleet.js';
import { FakeRobotLink } from './link/fake-link.js';
import { reportOf, type SafetyCheckHop, SafetyChecks } from './safety-checks.js';
import { CommandLedger } from './store/command-ledger.js';
import { RobotRegistry } from './store/credentials.js';
import { openRobotDb } from './store/robot-db.js';

let dir: string;
let clock: FakeClock;
let link: FakeRobotLink;
let outbox: MemoryOutboxStore;
let alerts: AlertLedger;
let checks: SafetyChecks;
let readings: SensorReading[];
let close: () => Promise<void>;

const iso = () => new Date(clock.now()).toISOString();
const status = (state: string, battery = 90, room = 'hall') =>
  link.publish('hearth/robot/r1/status', { state, battery, room, at: iso() });
const alertOf = (kind: string, severity: RaisedAlert['severity'] = 'critical'): RaisedAlert => ({
  alertId: crypto.randomUUID(),
  kind,
  severity,
  source: kind === 'pendant_pressed' ? 'button' : 'rule',
  message: `${kind} happened`,
  evidence: [],
});
/** Commits like the agent does: to the outbox, then the ledger and the checks see it. */
function commit(entry: Omit<OutboxEntry, 'seq' | 'bootId' | 'clockUnsynced'>): OutboxEntry {
  const [committed] = outbox.append([entry]);
  if (committed!.alert) alerts.raised(committed!.alert, committed!.ts);
  checks.observe(committed!);
  return committed!;
}
const raise = (alert: RaisedAlert) =>
  commit({ ts: clock.now(), sensorId: 'hub', kind: 'alert', value: null, alert });
const followUps = () =>
  outbox
    .pending(1000)
    .filter((e) => e.alert?.source === 'robot')
    .map((e) => e.alert!);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-checks-'));
  clock = new FakeClock();
  link = new FakeRobotLink();
  outbox = new MemoryOutboxStore();
  readings = [];
  alerts = new AlertLedger({ table: new MemoryHubState().alertLedger });
  const db = openRobotDb(join(dir, 'robot.db'));
  const registry = new RobotRegistry(db, () => clock.now());
  registry.add('r1');
  const log = pino({ level: 'silent' });
  const fleet = new RobotFleet({
    registry,
    link,
    clock,
    log,
    observe: (r) => readings.push(r),
    lowBatteryPercent: 15,
  });
  const commander = new RobotCommander({
    ledger: new CommandLedger(db),
    link,
    clock,
    log,
    record: (entry) => commit(entry),
    resultTimeoutMs: 300_000,
  });
  checks = new SafetyChecks({ commander, fleet, alerts, raise, log, ackTimeoutMs: 30_000 });
  for (const m of [fleet, commander, checks]) await m.start();
  await link.start();
  close = async () => {
    for (const m of [checks, commander, fleet]) await m.stop();
    db.close();
  };
  status('docked');
});
afterEach(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

describe('safety checks from the hub', () => {
  it('sends the robot to the room of the last activity when a serious alert is committed', async () => {
    commit({ ts: clock.now(), sensorId: 'pir-bath', kind: 'motion', value: true, room: 'bathroom' });
    raise(alertOf('bathroom_too_long'));
    await Promise.resolve();
    expect(link.sent.map((s) => [s.robotId, s.command.type, s.command.room])).toEqual([
      ['r1', 'safety_check', 'bathroom'],
    ]);
  });

  it.each(['needs_help', 'no_response'] as const)(
    'raises the alert to critical when the robot finds %s',
    async (outcome) => {
      const alert = alertOf('inactivity', 'warning');
      raise(alert);
      await Promise.resolve();
      const { id } = link.sent[0]!.command;
      link.publish('hearth/robot/r1/ack', { id, accepted: true });
      link.publish('hearth/robot/r1/result', { id, outcome, at: iso() });
      expect(followUps()).toEqual([
        expect.objectContaining({
          kind: 'inactivity',
          severity: 'critical',
          source: 'robot',
          evidence: [expect.objectContaining({ hubAlertId: alert.alertId, outcome })],
        }),
      ]);
    },
  );

  it('reports ok but never resolves a button alert', async () => {
    const alert = alertOf('pendant_pressed');
    raise(alert);
    await Promise.resolve();
    const { id } = link.sent[0]!.command;
    link.publish('hearth/robot/r1/result', { id, outcome: 'ok', at: iso() });
    expect(followUps()).toEqual([]);
    expect(alerts.get(alert.alertId)?.status).toBe('open');
    expect(
      outbox
        .pending(100)
        .filter((e) => e.kind === 'robot')
        .map((e) => e.value),
    ).toEqual(['sent', 'ok']);
  });

  it('stops the check once a person acknowledged the alert', async () => {
    const alert = alertOf('pendant_pressed');
    raise(alert);
    await Promise.resolve();
    const { id } = link.sent[0]!.command;
    alerts.cloudChanged({
      id: crypto.randomUUID(),
      status: 'acknowledged',
      acknowledgedBy: 'carer-1',
      acknowledgedAt: iso(),
      evidence: [{ hubAlertId: alert.alertId }],
      kind: alert.kind,
      severity: alert.severity,
      occurredAt: iso(),
    } as never);
    link.cut();
    link.restore();
    await Promise.resolve();
    expect(link.sent).toHaveLength(1); // not resent
    link.publish('hearth/robot/r1/result', { id, outcome: 'needs_help', at: iso() });
    expect(followUps()).toEqual([]);
    expect(
      outbox
        .pending(100)
        .filter((e) => e.kind === 'robot')
        .map((e) => e.value),
    ).toEqual(['sent', 'cancelled']);
  });

  it('escalates when the robot never answers', async () => {
    raise(alertOf('door_open_at_night'));
    clock.advance(30_000);
    expect(followUps()).toEqual([
      expect.objectContaining({ severity: 'critical', message: expect.stringMatching(/did not answer/) }),
    ]);
  });

  it('leaves device alerts and non-serious alerts alone', async () => {
    raise({ ...alertOf('robot_unavailable', 'warning'), source: 'device' });
    raise(alertOf('room_too_cold', 'warning'));
    await Promise.resolve();
    expect(link.sent).toEqual([]);
  });
});

describe('safety checks from staff', () => {
  it('reports every hop to the result', async () => {
    const hops: SafetyCheckHop[] = [];
    checks.request({ checkId: 'chk-1', room: 'kitchen', requestedBy: 'staff-7' }, (h) => hops.push(h));
    await Promise.resolve();
    const { id, room } = link.sent[0]!.command;
    expect(room).toBe('kitchen');
    link.publish('hearth/robot/r1/ack', { id, accepted: true });
    link.publish('hearth/robot/r1/progress', { id, state: 'moving', room: 'kitchen' });
    link.publish('hearth/robot/r1/result', { id, outcome: 'ok', at: iso() });
    expect(hops.map((h) => h.hop)).toEqual(['delivered', 'sent', 'acked', 'progress', 'result']);
    expect(outbox.pending(100).find((e) => e.value === 'ok')?.robot?.requestedBy).toEqual({
      by: 'staff',
      staffId: 'staff-7',
      checkId: 'chk-1',
    });
  });

  it('sends each hop up the control channel in the shared contract, so the cloud can record it', async () => {
    const sent: SafetyCheckReport[] = [];
    const checkId = crypto.randomUUID();
    checks.request({ checkId, room: 'kitchen', requestedBy: 'staff-7' }, (h) =>
      sent.push(reportOf(checkId, h)),
    );
    await Promise.resolve();
    const { id } = link.sent[0]!.command;
    link.publish('hearth/robot/r1/ack', { id, accepted: true });
    link.publish('hearth/robot/r1/progress', { id, state: 'checking', room: 'kitchen' });
    link.publish('hearth/robot/r1/result', { id, outcome: 'needs_help', detail: 'on the floor', at: iso() });
    expect(sent.map(({ id: _, ...hop }) => hop)).toEqual([
      { status: 'delivered' },
      { status: 'sent', robotId: 'r1' },
      { status: 'acknowledged' },
      { status: 'progress', stage: 'checking', room: 'kitchen' },
      { status: 'done', outcome: 'needs_help', detail: 'on the floor' },
    ]);
    for (const report of sent) expect(SafetyCheckReport.safeParse(report).success).toBe(true);
    expect(
      reportOf(checkId, { hop: 'undelivered', checkId, reason: 'robot_did_not_answer', detail: 'x' }),
    ).toEqual({
      id: checkId,
      status: 'undelivered',
      reason: 'robot_no_answer',
      detail: 'x',
    });
    expect(
      reportOf(checkId, { hop: 'undelivered', checkId, reason: 'robot_refused', detail: 'docked' }),
    ).toEqual({
      id: checkId,
      status: 'failed',
      detail: 'the robot refused: docked',
    });
  });

  it('says undelivered, robot offline, when no robot can go', async () => {
    status('offline');
    const hops: SafetyCheckHop[] = [];
    checks.request({ checkId: 'chk-2', requestedBy: 's' }, (h) => hops.push(h));
    expect(hops).toEqual([
      { hop: 'delivered', checkId: 'chk-2' },
      expect.objectContaining({ hop: 'undelivered', reason: 'robot_offline' }),
    ]);
  });

  it('says undelivered, robot did not answer, when the robot stays silent', async () => {
    const hops: SafetyCheckHop[] = [];
    checks.request({ checkId: 'chk-3', requestedBy: 's' }, (h) => hops.push(h));
    await Promise.resolve();
    clock.advance(30_000);
    expect(hops.map((h) => h.hop)).toEqual(['delivered', 'sent', 'undelivered']);
    expect(hops.at(-1)).toMatchObject({ reason: 'robot_did_not_answer' });
  });
});

describe('robot availability', () => {
  it('turns offline and low battery into robot readings (device matters), once per change', () => {
    status('online', 80);
    status('online', 79);
    status('online', 10);
    status('offline', 10);
    expect(readings.map((r) => [r.sensorId, r.kind, r.value])).toEqual([
      ['robot:r1', 'robot', 'docked'],
      ['robot:r1', 'robot', 'online'],
      ['robot:r1', 'robot', 'unavailable'],
      ['robot:r1', 'robot', 'offline'],
    ]);
  });
});

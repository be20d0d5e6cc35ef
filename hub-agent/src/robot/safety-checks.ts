import { randomUUID } from 'node:crypto';
import type { RaisedAlert, RobotOutcome, SafetyCheckReport } from '@hearth/shared';
import type { Logger } from 'pino';
import { isActivity } from '../detect/rules/presence.js';
import type { OutboxEntry } from '../store/outbox.js';
import type { CommandHop, RobotCommander } from './commander.js';
import type { RobotFleet } from './fleet.js';
import type { LedgerEntry } from './store/command-ledger.js';

/** Alerts that send the robot: the pendant, long inactivity, the bathroom for too long, the door at night. */
export const SERIOUS_KINDS = new Set([
  'pendant_pressed',
  'inactivity',
  'bathroom_too_long',
  'door_open_at_night',
  'no_return_at_night',
]);

/** Why a check never reached a result. */
export type UndeliveredReason = 'robot_offline' | 'robot_did_not_answer' | 'robot_refused';

/** Each hop of a staff-requested check, from the hub's side (the cloud adds "requested" before it). */
export type SafetyCheckHop =
  | { hop: 'delivered'; checkId: string }
  | { hop: 'sent'; checkId: string; robotId: string; commandId: string }
  | { hop: 'acked'; checkId: string; robotId: string }
  | { hop: 'progress'; checkId: string; state: 'moving' | 'arrived' | 'checking'; room?: string }
  | { hop: 'result'; checkId: string; outcome: RobotOutcome; detail?: string; at: string }
  | { hop: 'undelivered'; checkId: string; reason: UndeliveredReason; detail: string };

export interface SafetyCheckRequestInput {
  /** The cloud's id of the check; every hop names it. */
  checkId: string;
  /** Where to look; by default the room of the last activity. */
  room?: string;
  /** The staff member who asked. */
  requestedBy: string;
}

export interface SafetyChecksDeps {
  commander: RobotCommander;
  fleet: RobotFleet;
  /** Whether a person has the hub's alert yet, and news when they do (the cloud's acknowledgement). */
  alerts: {
    hasHuman(alertId: string): boolean;
    onChange(listener: (record: { alertId: string | null; status: string }) => void): () => void;
  };
  /** Commits a follow-up alert (the result raises the alert); throws if the disk refuses. */
  raise: (alert: RaisedAlert) => void;
  log: Logger;
  /** The robot must acknowledge a check within this, ms. */
  ackTimeoutMs: number;
}

interface HubCheck {
  alert: RaisedAlert;
  commandId: string;
}

/**
 * Safety checks, offline or not. A serious alert sends the robot to the room of the last activity
 * as soon as the alert is committed; the result updates the alert (needs_help, no_response or a
 * check that could not happen raise it to critical; `ok` is only reported, it never resolves an
 * alert); the check stops once a person acknowledged the alert. Staff checks come through
 * `request()`, which reports every hop.
 */
export class SafetyChecks {
  private lastRoom: string | undefined;
  private readonly hubChecks = new Map<string, HubCheck>();
  private readonly staffChecks = new Map<string, (hop: SafetyCheckHop) => void>();
  private offs: (() => void)[] = [];

  constructor(private readonly deps: SafetyChecksDeps) {}

  async start(): Promise<void> {
    this.offs.push(
      this.deps.commander.onHop((hop) => this.follow(hop)),
      this.deps.alerts.onChange((record) => {
        if (record.status === 'open' || record.alertId === null) return;
        for (const [commandId, check] of this.hubChecks) {
          if (check.alert.alertId !== record.alertId) continue;
          this.hubChecks.delete(commandId);
          if (this.deps.commander.cancel(commandId, 'a person acknowledged the alert'))
            this.deps.log.info(
              { alertId: record.alertId, commandId },
              'safety check stopped: a person has the alert',
            );
        }
      }),
    );
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
  }

  /** Sees every committed entry: remembers where the senior was last active, and acts on serious alerts. */
  observe(entry: OutboxEntry): void {
    if (entry.room && isActivity({ ...entry, value: entry.value })) this.lastRoom = entry.room;
    const alert = entry.alert;
    if (!alert || alert.source === 'robot' || alert.source === 'device' || !SERIOUS_KINDS.has(alert.kind))
      return;
    if (this.deps.alerts.hasHuman(alert.alertId)) return;
    const room = this.lastRoom ?? roomOf(alert);
    const robotId = this.deps.fleet.pick();
    if (!robotId) {
      this.deps.log.warn(
        { alertId: alert.alertId },
        'serious alert: no robot can check (offline, busy or low battery)',
      );
      return;
    }
    const command = this.deps.commander.issue({
      robotId,
      type: 'safety_check',
      ...(room !== undefined && { room }),
      requestedBy: { by: 'hub', alertId: alert.alertId },
      ackTimeoutMs: this.deps.ackTimeoutMs,
    });
    this.hubChecks.set(command.id, { alert, commandId: command.id });
    this.deps.log.info({ alertId: alert.alertId, robotId, room, commandId: command.id }, 'safety check sent');
  }

  /**
   * A check staff asked for through the cloud. `report` hears each hop in order: delivered to the
   * hub, sent to the robot, acknowledged, progress, result; or undelivered with the reason.
   */
  request(input: SafetyCheckRequestInput, report: (hop: SafetyCheckHop) => void): void {
    const { checkId } = input;
    const tell = (hop: SafetyCheckHop) => {
      try {
        report(hop);
      } catch (error) {
        this.deps.log.error({ checkId, err: String(error) }, 'reporting a safety check hop failed');
      }
    };
    tell({ hop: 'delivered', checkId });
    const robotId = this.deps.fleet.pick();
    if (!robotId) {
      tell({
        hop: 'undelivered',
        checkId,
        reason: 'robot_offline',
        detail: 'no robot can go: offline, busy or battery low',
      });
      return;
    }
    const room = input.room ?? this.lastRoom;
    let command: LedgerEntry;
    try {
      command = this.deps.commander.issue({
        robotId,
        type: 'safety_check',
        ...(room !== undefined && { room }),
        requestedBy: { by: 'staff', staffId: input.requestedBy.slice(0, 64), checkId: checkId.slice(0, 64) },
        ackTimeoutMs: this.deps.ackTimeoutMs,
      });
    } catch (error) {
      tell({
        hop: 'undelivered',
        checkId,
        reason: 'robot_offline',
        detail: `the hub could not record it: ${String(error)}`,
      });
      return;
    }
    this.staffChecks.set(command.id, tell);
  }

  private follow(hop: CommandHop): void {
    const { entry } = hop;
    const staff = this.staffChecks.get(entry.id);
    if (staff) this.followStaff(hop, staff);
    const hub = this.hubChecks.get(entry.id);
    if (hub) this.followHub(hop, hub);
  }

  private followStaff(hop: CommandHop, tell: (hop: SafetyCheckHop) => void): void {
    const { entry } = hop;
    const checkId = entry.requestedBy.by === 'staff' ? entry.requestedBy.checkId : entry.id;
    const close = () => this.staffChecks.delete(entry.id);
    if (hop.type === 'sent') tell({ hop: 'sent', checkId, robotId: entry.robotId, commandId: entry.id });
    else if (hop.type === 'ack' && entry.ack?.accepted)
      tell({ hop: 'acked', checkId, robotId: entry.robotId });
    else if (hop.type === 'ack') {
      tell({
        hop: 'undelivered',
        checkId,
        reason: 'robot_refused',
        detail: entry.ack?.reason ?? 'the robot refused',
      });
      close();
    } else if (hop.type === 'progress' && entry.progress)
      tell({
        hop: 'progress',
        checkId,
        state: entry.progress.state,
        ...(entry.progress.room !== undefined && { room: entry.progress.room }),
      });
    else if (hop.type === 'result' && entry.result) {
      const { outcome, detail, at } = entry.result;
      tell({ hop: 'result', checkId, outcome, ...(detail !== undefined && { detail }), at });
      close();
    } else if (hop.type === 'expired' || hop.type === 'cancelled') {
      tell({ hop: 'undelivered', checkId, reason: 'robot_did_not_answer', detail: hop.reason });
      close();
    }
  }

  private followHub(hop: CommandHop, check: HubCheck): void {
    const { entry } = hop;
    let outcome: string | null = null;
    if (hop.type === 'result' && entry.result) {
      const o = entry.result.outcome;
      if (o === 'ok')
        this.deps.log.info(
          { alertId: check.alert.alertId },
          'safety check: the senior is ok (the alert stays open)',
        );
      else outcome = o;
    } else if (hop.type === 'expired') outcome = 'did_not_answer';
    else if (hop.type === 'ack' && entry.ack && !entry.ack.accepted) outcome = 'refused';
    if (hop.type === 'result' || hop.type === 'expired' || hop.type === 'cancelled' || outcome === 'refused')
      this.hubChecks.delete(entry.id);
    if (outcome === null || this.deps.alerts.hasHuman(check.alert.alertId)) return;
    this.escalate(check, entry, outcome);
  }

  /** The robot found trouble or could not look: the alert becomes critical, naming what the robot saw. */
  private escalate(check: HubCheck, entry: LedgerEntry, outcome: string): void {
    const room = entry.progress?.room ?? entry.command.room;
    const what: Record<string, string> = {
      needs_help: 'found that the senior needs help',
      no_response: 'got no response from the senior',
      not_found: 'could not find the senior',
      failed: 'could not carry out the check',
      did_not_answer: 'did not answer',
      refused: 'refused the check',
    };
    try {
      this.deps.raise({
        alertId: randomUUID(),
        kind: check.alert.kind,
        severity: 'critical',
        source: 'robot',
        message:
          `Safety check: the robot ${what[outcome] ?? outcome}${room ? ` in the ${room}` : ''}. ${check.alert.message}`.slice(
            0,
            500,
          ),
        evidence: [
          {
            hubAlertId: check.alert.alertId,
            robotId: entry.robotId,
            commandId: entry.id,
            outcome,
            ...(entry.result?.detail !== undefined && { detail: entry.result.detail }),
            ...(room !== undefined && { room }),
          },
        ],
      });
    } catch (error) {
      this.deps.log.error(
        { alertId: check.alert.alertId, err: String(error) },
        'could not raise the alert after the check',
      );
    }
  }
}

/**
 * The control channel's report (`update`/`safety-checks`) for a hop, so the cloud records each one:
 * delivered, sent, acknowledged, progress, done; undelivered with the shared reason; a robot that
 * refused the check is `failed` with its words.
 */
export function reportOf(checkId: string, hop: SafetyCheckHop): SafetyCheckReport {
  const id = checkId;
  switch (hop.hop) {
    case 'delivered':
      return { id, status: 'delivered' };
    case 'sent':
      return { id, status: 'sent', robotId: hop.robotId.slice(0, 64) };
    case 'acked':
      return { id, status: 'acknowledged' };
    case 'progress':
      return {
        id,
        status: 'progress',
        stage: hop.state,
        ...(hop.room !== undefined && { room: hop.room.slice(0, 64) }),
      };
    case 'result':
      return {
        id,
        status: 'done',
        outcome: hop.outcome,
        ...(hop.detail !== undefined && { detail: hop.detail.slice(0, 500) }),
      };
    case 'undelivered':
      return hop.reason === 'robot_refused'
        ? { id, status: 'failed', detail: `the robot refused: ${hop.detail}`.slice(0, 500) }
        : {
            id,
            status: 'undelivered',
            reason: hop.reason === 'robot_offline' ? 'robot_offline' : 'robot_no_answer',
            detail: hop.detail.slice(0, 500),
          };
  }
}

/** The room an alert's evidence names, if any (the rules put the triggering reading there). */
function roomOf(alert: RaisedAlert): string | undefined {
  for (const e of alert.evidence)
    if (typeof e.room === 'string' && e.room.length > 0) return e.room.slice(0, 64);
  return undefined;
}

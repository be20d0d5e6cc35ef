import { randomUUID } from 'node:crypto';
import type { RobotCommandType, RobotEvent, RobotRequester } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { NewOutboxEntry } from '../store/outbox.js';
import type { LedgerEntry, RobotCommandLedger } from '../store/robot-tables.js';
import type { RobotLink, RobotMessage } from './link/robot-link.js';

/** A step in a command's life, told to listeners after the ledger recorded it. */
export type CommandHop =
  | { type: 'sent' | 'ack' | 'progress' | 'result'; entry: LedgerEntry }
  | { type: 'expired' | 'cancelled'; entry: LedgerEntry; reason: string };

export interface CommanderDeps {
  ledger: RobotCommandLedger;
  link: RobotLink;
  clock: Clock;
  log: Logger;
  /** Commits a hop to the outbox (kind `robot`), so it reaches the cloud exactly once. Throws if the disk refuses. */
  record: (entry: NewOutboxEntry) => void;
  /** How long an acknowledged command may run before it counts as unanswered, ms. */
  resultTimeoutMs: number;
}

export interface IssueRequest {
  robotId: string;
  type: RobotCommandType;
  room?: string;
  text?: string;
  requestedBy: RobotRequester;
  /** The robot must acknowledge within this (the command's deadline); unacknowledged it is resent until then. */
  ackTimeoutMs: number;
}

/**
 * Sends robot commands and follows them through the ledger: recorded before sent, resent on
 * every reconnection until acknowledged or past the deadline, then expired; each hop the robot
 * reports is recorded, committed to the outbox and told to listeners. Repeats are ignored.
 */
export class RobotCommander {
  private readonly timers = new Map<string, () => void>();
  private readonly listeners = new Set<(hop: CommandHop) => void>();
  private offs: (() => void)[] = [];

  constructor(private readonly deps: CommanderDeps) {}

  /** Takes up the commands left open by the previous run and listens to the link. */
  async start(): Promise<void> {
    const { link } = this.deps;
    this.offs.push(
      link.onMessage((m) => this.heard(m)),
      link.onConnection((up) => {
        if (up) this.resend();
      }),
    );
    for (const entry of this.deps.ledger.open()) this.schedule(entry);
    if (link.isConnected()) this.resend();
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  /** Records a command and sends it at once when the broker is reachable. @throws when the ledger cannot record it. */
  issue(request: IssueRequest): LedgerEntry {
    const now = this.deps.clock.now();
    const command = {
      id: randomUUID(),
      type: request.type,
      ...(request.room !== undefined && { room: request.room }),
      ...(request.text !== undefined && { text: request.text }),
      issuedAt: new Date(now).toISOString(),
      deadline: new Date(now + request.ackTimeoutMs).toISOString(),
    };
    const entry = this.deps.ledger.record(request.robotId, command, request.requestedBy, now);
    this.schedule(entry);
    void this.transmit(entry);
    return entry;
  }

  /** Stops pursuing a command (not resent, not expired later); false when it was already closed. */
  cancel(commandId: string, reason: string): boolean {
    const entry = this.deps.ledger.cancel(commandId, reason);
    if (!entry) return false;
    this.unschedule(commandId);
    this.tell({ type: 'cancelled', entry, reason });
    return true;
  }

  /** Calls `listener` with every hop; returns its removal. */
  onHop(listener: (hop: CommandHop) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private resend(): void {
    const now = this.deps.clock.now();
    for (const entry of this.deps.ledger.unacknowledged()) {
      if (entry.deadline <= now) this.expire(entry.id);
      else void this.transmit(entry);
    }
  }

  private async transmit(entry: LedgerEntry): Promise<void> {
    if (!this.deps.link.isConnected()) return;
    try {
      await this.deps.link.send(entry.robotId, entry.command);
    } catch (error) {
      // LINK_DOWN: resent on reconnection. REFUSED: the broker's ACL; nothing a retry would change soon.
      this.deps.log.warn({ commandId: entry.id, reason: (error as Error).message }, 'robot command not sent');
      return;
    }
    const sent = this.deps.ledger.markSent(entry.id, this.deps.clock.now());
    if (sent && sent.sendCount === 1) this.tell({ type: 'sent', entry: sent });
  }

  private heard(message: RobotMessage): void {
    const now = this.deps.clock.now();
    const { ledger } = this.deps;
    if (message.channel === 'status') return;
    // The robot's answer can overtake the broker's PUBACK; it proves the command was sent.
    const commandId =
      message.channel === 'ack'
        ? message.ack.id
        : message.channel === 'progress'
          ? message.progress.id
          : message.result.id;
    const known = ledger.get(commandId);
    if (known && known.robotId === message.robotId && known.sendCount === 0) {
      const sent = ledger.markSent(known.id, now);
      if (sent) this.tell({ type: 'sent', entry: sent });
    }
    let entry: LedgerEntry | null = null;
    let type: 'ack' | 'progress' | 'result';
    if (message.channel === 'ack') {
      type = 'ack';
      entry = ledger.ack(message.robotId, message.ack, now);
    } else if (message.channel === 'progress') {
      type = 'progress';
      entry = ledger.progress(message.robotId, message.progress, now);
    } else if (message.channel === 'result') {
      type = 'result';
      entry = ledger.result(message.robotId, message.result, now);
    } else return;
    if (!entry) return; // a repeat (QoS 1), a closed command, or a command this hub never sent
    if (type === 'result' || entry.state === 'refused') this.unschedule(entry.id);
    else if (type === 'ack') this.schedule(entry);
    this.tell({ type, entry });
  }

  /** Arms the timer that closes a command: at its deadline until acknowledged, then after the result timeout. */
  private schedule(entry: LedgerEntry): void {
    this.unschedule(entry.id);
    const at = entry.ackedAt === null ? entry.deadline : entry.ackedAt + this.deps.resultTimeoutMs;
    const wait = Math.max(0, at - this.deps.clock.now());
    this.timers.set(
      entry.id,
      this.deps.clock.setTimeout(() => this.expire(entry.id), wait),
    );
  }

  private unschedule(id: string): void {
    this.timers.get(id)?.();
    this.timers.delete(id);
  }

  private expire(id: string): void {
    this.timers.delete(id);
    const before = this.deps.ledger.get(id);
    if (!before) return;
    const reason =
      before.ackedAt === null
        ? 'the robot did not acknowledge the command before its deadline'
        : 'the robot did not report a result in time';
    const entry = this.deps.ledger.expire(id, reason);
    if (entry) this.tell({ type: 'expired', entry, reason });
  }

  /** Commits the hop to the outbox, then tells listeners; a commit failure is logged, listeners still hear it. */
  private tell(hop: CommandHop): void {
    try {
      this.deps.record(outboxEntryOf(hop, this.deps.clock.now()));
    } catch (error) {
      this.deps.log.error({ commandId: hop.entry.id, err: String(error) }, 'could not commit a robot hop');
    }
    for (const listener of this.listeners) {
      try {
        listener(hop);
      } catch (error) {
        this.deps.log.error({ commandId: hop.entry.id, err: String(error) }, 'a robot hop listener failed');
      }
    }
  }
}

/** The outbox entry (kind `robot`) for a hop; `value` is a short label for lists, `robot` the detail. */
export function outboxEntryOf(hop: CommandHop, now: number): NewOutboxEntry {
  const { entry } = hop;
  const base = { robotId: entry.robotId, commandId: entry.id, requestedBy: entry.requestedBy };
  let robot: RobotEvent;
  let value: string;
  let room = entry.command.room;
  switch (hop.type) {
    case 'sent':
      robot = { type: 'sent', ...base, command: entry.command };
      value = 'sent';
      break;
    case 'ack':
      robot = { type: 'ack', ...base, ack: entry.ack! };
      value = entry.ack!.accepted ? 'acked' : 'refused';
      break;
    case 'progress':
      robot = { type: 'progress', ...base, progress: entry.progress! };
      value = entry.progress!.state;
      room = entry.progress!.room ?? room;
      break;
    case 'result':
      robot = { type: 'result', ...base, result: entry.result! };
      value = entry.result!.outcome;
      break;
    default:
      robot = { type: hop.type, ...base, reason: hop.reason.slice(0, 200) };
      value = hop.type;
  }
  return {
    ts: now,
    sensorId: `robot:${entry.robotId}`,
    kind: 'robot',
    value,
    ...(room !== undefined && { room }),
    robot,
  };
}

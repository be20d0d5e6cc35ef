import type { RobotAck, RobotCommand, RobotProgress, RobotRequester, RobotResult } from '@hearth/shared';

/** A robot paired with this hub: its credential hash and the last status it reported. Times are ms since the epoch. */
export interface RobotRow {
  robotId: string;
  /** scrypt hash of the robot's MQTT password (the password itself is never stored). */
  passwordHash: string;
  addedAt: number;
  state: string | null;
  battery: number | null;
  room: string | null;
  statusAt: number | null;
  lastSeenAt: number | null;
}

/** The robots paired with this hub. */
export interface RobotsTable {
  /** Adds a robot; false (nothing changed) when one with that id is already paired. Throws when the disk refuses. */
  add(robotId: string, passwordHash: string, addedAt: number): boolean;
  /** Removes a robot; false when none had that id. */
  remove(robotId: string): boolean;
  get(robotId: string): RobotRow | undefined;
  /** Every robot, sorted by id. */
  list(): RobotRow[];
  /** Keeps a robot's last status; ignored for a robot not paired. */
  noteStatus(
    robotId: string,
    status: { state: string; battery: number; room: string | null; at: number },
    heardAt: number,
  ): void;
  /** Notes that a robot was heard from; ignored for a robot not paired. */
  noteSeen(robotId: string, heardAt: number): void;
}

/**
 * Where a command stands. `pending`: recorded, the broker has not taken it yet; `sent`: the broker
 * has it; `acked` / `refused`: the robot answered; `done`: a result came; `expired`: its deadline
 * passed first; `cancelled`: the hub stopped pursuing it (a person took over).
 */
export type CommandState = 'pending' | 'sent' | 'acked' | 'refused' | 'done' | 'expired' | 'cancelled';

/** One robot command and everything that happened to it. Times are ms since the epoch. */
export interface LedgerEntry {
  id: string;
  robotId: string;
  command: RobotCommand;
  requestedBy: RobotRequester;
  state: CommandState;
  createdAt: number;
  deadline: number;
  sentAt: number | null;
  sendCount: number;
  ackedAt: number | null;
  ack: RobotAck | null;
  progress: RobotProgress | null;
  progressAt: number | null;
  result: RobotResult | null;
  resultAt: number | null;
  closedReason: string | null;
}

/**
 * The ledger of robot commands: every command is recorded before it is sent, and each step is
 * written before anyone is told about it. Transitions only move forward, so a repeated ack or
 * result (QoS 1 delivers at least once) changes nothing and returns null. Every write throws
 * when the disk refuses.
 */
export interface RobotCommandLedger {
  /** Records a new command as pending. Throws for a repeated id or when the disk refuses (then it was never sent). */
  record(robotId: string, command: RobotCommand, requestedBy: RobotRequester, now: number): LedgerEntry;
  get(id: string): LedgerEntry | undefined;
  /** The broker took the command (again); the first time moves it to `sent`. Null once closed. */
  markSent(id: string, at: number): LedgerEntry | null;
  /** The robot's ack, for a command of that robot still unanswered; null for a repeat or a stranger's. */
  ack(robotId: string, ack: RobotAck, at: number): LedgerEntry | null;
  /** The robot's progress; null when the command is closed or the same progress was already noted. */
  progress(robotId: string, progress: RobotProgress, at: number): LedgerEntry | null;
  /** The robot's result; closes the command. Null for a repeat, a closed command or a stranger's. */
  result(robotId: string, result: RobotResult, at: number): LedgerEntry | null;
  /** Closes a command whose deadline passed; null when it was already closed. */
  expire(id: string, reason: string): LedgerEntry | null;
  /** Stops pursuing a command; null when it was already closed. */
  cancel(id: string, reason: string): LedgerEntry | null;
  /** Commands the robot has not acknowledged yet (to resend), oldest first. */
  unacknowledged(): LedgerEntry[];
  /** Commands still waiting for the robot (unacknowledged or running), oldest first. */
  open(): LedgerEntry[];
  /** The latest commands, newest first. */
  recent(limit?: number): LedgerEntry[];
}

const OPEN: readonly CommandState[] = ['pending', 'sent', 'acked'];
const UNANSWERED: readonly CommandState[] = ['pending', 'sent'];

/** Robots in memory, for unit tests and the demo. */
export class MemoryRobotsTable implements RobotsTable {
  private readonly rows = new Map<string, RobotRow>();

  add(robotId: string, passwordHash: string, addedAt: number): boolean {
    if (this.rows.has(robotId)) return false;
    this.rows.set(robotId, {
      robotId,
      passwordHash,
      addedAt,
      state: null,
      battery: null,
      room: null,
      statusAt: null,
      lastSeenAt: null,
    });
    return true;
  }
  remove(robotId: string): boolean {
    return this.rows.delete(robotId);
  }
  get(robotId: string): RobotRow | undefined {
    const row = this.rows.get(robotId);
    return row && { ...row };
  }
  list(): RobotRow[] {
    return [...this.rows.values()].sort((a, b) => (a.robotId < b.robotId ? -1 : 1)).map((r) => ({ ...r }));
  }
  noteStatus(
    robotId: string,
    status: { state: string; battery: number; room: string | null; at: number },
    heardAt: number,
  ) {
    const row = this.rows.get(robotId);
    if (!row) return;
    Object.assign(row, {
      state: status.state,
      battery: status.battery,
      room: status.room,
      statusAt: status.at,
      lastSeenAt: heardAt,
    });
  }
  noteSeen(robotId: string, heardAt: number): void {
    const row = this.rows.get(robotId);
    if (row) row.lastSeenAt = heardAt;
  }
}

/** The command ledger in memory, with the same forward-only transitions as the SQLite one. */
export class MemoryCommandLedger implements RobotCommandLedger {
  private readonly rows = new Map<string, LedgerEntry>();

  record(robotId: string, command: RobotCommand, requestedBy: RobotRequester, now: number): LedgerEntry {
    if (this.rows.has(command.id)) throw new Error(`command ${command.id} is already in the ledger`);
    this.rows.set(command.id, {
      id: command.id,
      robotId,
      command: structuredClone(command),
      requestedBy: structuredClone(requestedBy),
      state: 'pending',
      createdAt: now,
      deadline: Date.parse(command.deadline),
      sentAt: null,
      sendCount: 0,
      ackedAt: null,
      ack: null,
      progress: null,
      progressAt: null,
      result: null,
      resultAt: null,
      closedReason: null,
    });
    return this.get(command.id)!;
  }
  get(id: string): LedgerEntry | undefined {
    const row = this.rows.get(id);
    return row && structuredClone(row);
  }
  markSent(id: string, at: number): LedgerEntry | null {
    return this.change(id, null, OPEN, (row) => {
      row.sendCount += 1;
      row.sentAt ??= at;
      if (row.state === 'pending') row.state = 'sent';
    });
  }
  ack(robotId: string, ack: RobotAck, at: number): LedgerEntry | null {
    return this.change(ack.id, robotId, UNANSWERED, (row) => {
      row.state = ack.accepted ? 'acked' : 'refused';
      row.ack = structuredClone(ack);
      row.ackedAt = at;
    });
  }
  progress(robotId: string, progress: RobotProgress, at: number): LedgerEntry | null {
    const row = this.rows.get(progress.id);
    if (row?.progress && JSON.stringify(row.progress) === JSON.stringify(progress)) return null;
    return this.change(progress.id, robotId, OPEN, (r) => {
      r.progress = structuredClone(progress);
      r.progressAt = at;
    });
  }
  result(robotId: string, result: RobotResult, at: number): LedgerEntry | null {
    return this.change(result.id, robotId, OPEN, (row) => {
      row.state = 'done';
      row.result = structuredClone(result);
      row.resultAt = at;
    });
  }
  expire(id: string, reason: string): LedgerEntry | null {
    return this.change(id, null, OPEN, (row) => {
      row.state = 'expired';
      row.closedReason = reason;
    });
  }
  cancel(id: string, reason: string): LedgerEntry | null {
    return this.change(id, null, OPEN, (row) => {
      row.state = 'cancelled';
      row.closedReason = reason;
    });
  }
  unacknowledged(): LedgerEntry[] {
    return this.select((r) => UNANSWERED.includes(r.state));
  }
  open(): LedgerEntry[] {
    return this.select((r) => OPEN.includes(r.state));
  }
  recent(limit = 20): LedgerEntry[] {
    // Insertion order breaks ties, as rowid does in SQLite.
    return [...this.rows.values()]
      .map((r, i) => ({ r, i }))
      .sort((a, b) => b.r.createdAt - a.r.createdAt || b.i - a.i)
      .slice(0, limit)
      .map(({ r }) => structuredClone(r));
  }

  private select(keep: (row: LedgerEntry) => boolean): LedgerEntry[] {
    return [...this.rows.values()]
      .filter(keep)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((r) => structuredClone(r));
  }

  private change(
    id: string,
    robotId: string | null,
    from: readonly CommandState[],
    apply: (row: LedgerEntry) => void,
  ): LedgerEntry | null {
    const row = this.rows.get(id);
    if (!row || !from.includes(row.state) || (robotId !== null && row.robotId !== robotId)) return null;
    apply(row);
    return structuredClone(row);
  }
}

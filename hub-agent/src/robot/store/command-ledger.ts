import type { RobotAck, RobotCommand, RobotProgress, RobotRequester, RobotResult } from '@hearth/shared';
import type Database from 'better-sqlite3';

/**
 * Where a command stands. `pending`: recorded, the broker has not taken it yet; `sent`: the broker
 * has it; `acked` / `refused`: the robot answered; `done`: a result came; `expired`: its deadline
 * passed first; `cancelled`: the hub stopped pursuing it (a person took over).
 */
export type CommandState = 'pending' | 'sent' | 'acked' | 'refused' | 'done' | 'expired' | 'cancelled';

/** One command and everything that happened to it. Times are ms since the epoch. */
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

interface Row {
  id: string;
  robot_id: string;
  command: string;
  requested_by: string;
  state: CommandState;
  created_at: number;
  deadline: number;
  sent_at: number | null;
  send_count: number;
  acked_at: number | null;
  ack: string | null;
  progress: string | null;
  progress_at: number | null;
  result: string | null;
  result_at: number | null;
  closed_reason: string | null;
}

const json = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toEntry(row: Row): LedgerEntry {
  return {
    id: row.id,
    robotId: row.robot_id,
    command: JSON.parse(row.command) as RobotCommand,
    requestedBy: JSON.parse(row.requested_by) as RobotRequester,
    state: row.state,
    createdAt: row.created_at,
    deadline: row.deadline,
    sentAt: row.sent_at,
    sendCount: row.send_count,
    ackedAt: row.acked_at,
    ack: json(row.ack),
    progress: json(row.progress),
    progressAt: row.progress_at,
    result: json(row.result),
    resultAt: row.result_at,
    closedReason: row.closed_reason,
  };
}

/** States in which a command still waits for the robot. */
const OPEN = "('pending', 'sent', 'acked')";

/**
 * The ledger of robot commands in `robot.db`: every command is recorded before it is sent, and
 * each step is written before anyone is told about it. Transitions only move forward, so a
 * repeated ack or result (QoS 1 delivers at least once) changes nothing and returns null.
 */
export class CommandLedger {
  constructor(private readonly db: Database.Database) {}

  /** Records a new command as pending. @throws when the disk refuses (then it was never sent). */
  record(robotId: string, command: RobotCommand, requestedBy: RobotRequester, now: number): LedgerEntry {
    this.db
      .prepare(
        `INSERT INTO commands (id, robot_id, command, requested_by, state, created_at, deadline)
         VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
        command.id,
        robotId,
        JSON.stringify(command),
        JSON.stringify(requestedBy),
        now,
        Date.parse(command.deadline),
      );
    return this.get(command.id)!;
  }

  get(id: string): LedgerEntry | undefined {
    const row = this.db.prepare('SELECT * FROM commands WHERE id = ?').get(id) as Row | undefined;
    return row && toEntry(row);
  }

  /** The broker took the command (again); the first time moves it to `sent`. */
  markSent(id: string, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE commands SET send_count = send_count + 1, sent_at = coalesce(sent_at, ?),
         state = CASE state WHEN 'pending' THEN 'sent' ELSE state END
       WHERE id = ? AND state IN ('pending', 'sent', 'acked')`,
      [at, id],
      id,
    );
  }

  /** The robot's ack, for a command of that robot still unanswered; null for a repeat or a stranger's. */
  ack(robotId: string, ack: RobotAck, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE commands SET state = ?, ack = ?, acked_at = ?
       WHERE id = ? AND robot_id = ? AND state IN ('pending', 'sent')`,
      [ack.accepted ? 'acked' : 'refused', JSON.stringify(ack), at, ack.id, robotId],
      ack.id,
    );
  }

  /** The robot's progress; null when the command is closed or the same state was already noted. */
  progress(robotId: string, progress: RobotProgress, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE commands SET progress = ?, progress_at = ?
       WHERE id = ? AND robot_id = ? AND state IN ${OPEN} AND (progress IS NULL OR progress != ?)`,
      [JSON.stringify(progress), at, progress.id, robotId, JSON.stringify(progress)],
      progress.id,
    );
  }

  /** The robot's result; closes the command. Null for a repeat, a closed command or a stranger's. */
  result(robotId: string, result: RobotResult, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE commands SET state = 'done', result = ?, result_at = ?
       WHERE id = ? AND robot_id = ? AND state IN ${OPEN}`,
      [JSON.stringify(result), at, result.id, robotId],
      result.id,
    );
  }

  /** Closes a command whose deadline passed; null when it was already closed. */
  expire(id: string, reason: string): LedgerEntry | null {
    return this.change(
      `UPDATE commands SET state = 'expired', closed_reason = ? WHERE id = ? AND state IN ${OPEN}`,
      [reason, id],
      id,
    );
  }

  /** Stops pursuing a command; null when it was already closed. */
  cancel(id: string, reason: string): LedgerEntry | null {
    return this.change(
      `UPDATE commands SET state = 'cancelled', closed_reason = ? WHERE id = ? AND state IN ${OPEN}`,
      [reason, id],
      id,
    );
  }

  /** Commands the robot has not acknowledged yet (to resend), oldest first. */
  unacknowledged(): LedgerEntry[] {
    return (
      this.db
        .prepare("SELECT * FROM commands WHERE state IN ('pending', 'sent') ORDER BY created_at")
        .all() as Row[]
    ).map(toEntry);
  }

  /** Commands still waiting for the robot (unacknowledged or running), oldest first. */
  open(): LedgerEntry[] {
    return (
      this.db.prepare(`SELECT * FROM commands WHERE state IN ${OPEN} ORDER BY created_at`).all() as Row[]
    ).map(toEntry);
  }

  /** The latest commands, newest first. */
  recent(limit = 20): LedgerEntry[] {
    return (
      this.db
        .prepare('SELECT * FROM commands ORDER BY created_at DESC, rowid DESC LIMIT ?')
        .all(limit) as Row[]
    ).map(toEntry);
  }

  private change(sql: string, params: unknown[], id: string): LedgerEntry | null {
    const changed = this.db.prepare(sql).run(...params).changes > 0;
    return changed ? (this.get(id) ?? null) : null;
  }
}

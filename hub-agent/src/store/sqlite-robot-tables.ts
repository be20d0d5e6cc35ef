import type { RobotAck, RobotCommand, RobotProgress, RobotRequester, RobotResult } from '@hearth/shared';
import type Database from 'better-sqlite3';
import type { CommandState, LedgerEntry, RobotCommandLedger, RobotRow, RobotsTable } from './robot-tables.js';

interface RobotRecordRow {
  robot_id: string;
  password_hash: string;
  added_at: number;
  state: string | null;
  battery: number | null;
  room: string | null;
  status_at: number | null;
  last_seen_at: number | null;
}

const toRobot = (row: RobotRecordRow): RobotRow => ({
  robotId: row.robot_id,
  passwordHash: row.password_hash,
  addedAt: row.added_at,
  state: row.state,
  battery: row.battery,
  room: row.room,
  statusAt: row.status_at,
  lastSeenAt: row.last_seen_at,
});

/** The `robots` table. The CLI writes it while the agent runs (WAL; the agent re-reads at each use). */
export function sqliteRobotsTable(db: Database.Database): RobotsTable {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO robots (robot_id, password_hash, added_at) VALUES (?, ?, ?)',
  );
  const remove = db.prepare('DELETE FROM robots WHERE robot_id = ?');
  const get = db.prepare('SELECT * FROM robots WHERE robot_id = ?');
  const list = db.prepare('SELECT * FROM robots ORDER BY robot_id');
  const status = db.prepare(
    'UPDATE robots SET state = ?, battery = ?, room = ?, status_at = ?, last_seen_at = ? WHERE robot_id = ?',
  );
  const seen = db.prepare('UPDATE robots SET last_seen_at = ? WHERE robot_id = ?');
  return {
    add: (robotId, hash, addedAt) => insert.run(robotId, hash, addedAt).changes > 0,
    remove: (robotId) => remove.run(robotId).changes > 0,
    get: (robotId) => {
      const row = get.get(robotId) as RobotRecordRow | undefined;
      return row && toRobot(row);
    },
    list: () => (list.all() as RobotRecordRow[]).map(toRobot),
    noteStatus: (robotId, s, heardAt) => void status.run(s.state, s.battery, s.room, s.at, heardAt, robotId),
    noteSeen: (robotId, heardAt) => void seen.run(heardAt, robotId),
  };
}

interface CommandRow {
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

function toEntry(row: CommandRow): LedgerEntry {
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

/** The `robot_commands` table: each transition is one conditional UPDATE, so repeats change nothing. */
export class SqliteCommandLedger implements RobotCommandLedger {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  record(robotId: string, command: RobotCommand, requestedBy: RobotRequester, now: number): LedgerEntry {
    this.stmt(
      `INSERT INTO robot_commands (id, robot_id, command, requested_by, state, created_at, deadline)
       VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    ).run(
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
    const row = this.stmt('SELECT * FROM robot_commands WHERE id = ?').get(id) as CommandRow | undefined;
    return row && toEntry(row);
  }

  markSent(id: string, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE robot_commands SET send_count = send_count + 1, sent_at = coalesce(sent_at, ?),
         state = CASE state WHEN 'pending' THEN 'sent' ELSE state END
       WHERE id = ? AND state IN ${OPEN}`,
      [at, id],
      id,
    );
  }

  ack(robotId: string, ack: RobotAck, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE robot_commands SET state = ?, ack = ?, acked_at = ?
       WHERE id = ? AND robot_id = ? AND state IN ('pending', 'sent')`,
      [ack.accepted ? 'acked' : 'refused', JSON.stringify(ack), at, ack.id, robotId],
      ack.id,
    );
  }

  progress(robotId: string, progress: RobotProgress, at: number): LedgerEntry | null {
    const text = JSON.stringify(progress);
    return this.change(
      `UPDATE robot_commands SET progress = ?, progress_at = ?
       WHERE id = ? AND robot_id = ? AND state IN ${OPEN} AND (progress IS NULL OR progress != ?)`,
      [text, at, progress.id, robotId, text],
      progress.id,
    );
  }

  result(robotId: string, result: RobotResult, at: number): LedgerEntry | null {
    return this.change(
      `UPDATE robot_commands SET state = 'done', result = ?, result_at = ?
       WHERE id = ? AND robot_id = ? AND state IN ${OPEN}`,
      [JSON.stringify(result), at, result.id, robotId],
      result.id,
    );
  }

  expire(id: string, reason: string): LedgerEntry | null {
    return this.change(
      `UPDATE robot_commands SET state = 'expired', closed_reason = ? WHERE id = ? AND state IN ${OPEN}`,
      [reason, id],
      id,
    );
  }

  cancel(id: string, reason: string): LedgerEntry | null {
    return this.change(
      `UPDATE robot_commands SET state = 'cancelled', closed_reason = ? WHERE id = ? AND state IN ${OPEN}`,
      [reason, id],
      id,
    );
  }

  unacknowledged(): LedgerEntry[] {
    return this.all(
      "SELECT * FROM robot_commands WHERE state IN ('pending', 'sent') ORDER BY created_at, rowid",
    );
  }

  open(): LedgerEntry[] {
    return this.all(`SELECT * FROM robot_commands WHERE state IN ${OPEN} ORDER BY created_at, rowid`);
  }

  recent(limit = 20): LedgerEntry[] {
    return this.all('SELECT * FROM robot_commands ORDER BY created_at DESC, rowid DESC LIMIT ?', limit);
  }

  private all(sql: string, ...params: unknown[]): LedgerEntry[] {
    return (this.stmt(sql).all(...params) as CommandRow[]).map(toEntry);
  }

  private change(sql: string, params: unknown[], id: string): LedgerEntry | null {
    const changed = this.stmt(sql).run(...params).changes > 0;
    return changed ? (this.get(id) ?? null) : null;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

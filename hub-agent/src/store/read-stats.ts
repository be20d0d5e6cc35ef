import Database from 'better-sqlite3';

/** What the outbox holds, as the CLI shows it while the agent is not running. */
export interface OutboxSnapshot {
  lastSeq: number;
  ackedThroughSeq: number;
  backlog: number;
}

/**
 * Reads the outbox's counters without changing anything: the database is opened read-only (no
 * migration, no lock held beyond the read), so `hearth status` can look while the agent is down
 * without racing its next start. @throws with SQLite's reason when the file cannot be read.
 */
export function readOutboxSnapshot(path: string): OutboxSnapshot {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const lastSeq = (db.prepare('SELECT last_seq FROM seq_counter').get() as { last_seq: number }).last_seq;
    const ackedThroughSeq = (
      db.prepare('SELECT acked_through_seq FROM upload_cursor').get() as { acked_through_seq: number }
    ).acked_through_seq;
    const backlog = (
      db.prepare('SELECT count(*) AS n FROM outbox WHERE seq > ?').get(ackedThroughSeq) as { n: number }
    ).n;
    return { lastSeq, ackedThroughSeq, backlog };
  } finally {
    db.close();
  }
}

import type { Alert, SensorEvent } from '@hearth/shared';
import type { AlertStore, RecordOptions } from '../alerts/alert-store.js';
import { type Sql, transaction } from '../db/database.js';
import { contiguousThrough, type EventRows, type RowsWriter } from './rows-writer.js';

export interface IngestResult {
  /** Highest seq stored for the hub with no gap before it. */
  ackedThroughSeq: number;
  /** Rows this call actually inserted (duplicates are not counted). */
  inserted: number;
  /** Alerts created or changed, to ring on the bus after commit. */
  alerts: Alert[];
  /** The events this call stored, in seq order. */
  stored: SensorEvent[];
}

/**
 * Stores hub events idempotently on (hub_id, seq). One transaction per batch: lock the hub's row so
 * two uploads from one hub serialise, read which seqs above its cursor are already held (normally
 * none: one index probe per partition), write the others in one go (COPY on PostgreSQL), record
 * alerts, and advance the hub's contiguous cursor. The rows are made ready before the lock is taken
 * (for the usual batch, every event new), so a hub with a second batch in flight waits only for the
 * database's own work on the first.
 */
export class EventStore {
  constructor(
    private readonly sql: Sql,
    private readonly alerts: AlertStore,
    private readonly alertOptions: () => RecordOptions,
    private readonly writer: RowsWriter,
  ) {}

  /** @param events already validated and all belonging to `hub`; duplicates within the batch are fine. */
  async ingest(hub: { id: string; seniorId: string }, events: SensorEvent[]): Promise<IngestResult> {
    const rows = (list: SensorEvent[]): EventRows => ({
      hubId: hub.id,
      seniorId: hub.seniorId,
      events: list,
    });
    const candidates = firstOfEachSeq(events);
    const prepared = this.writer.prepare(rows(candidates));
    return transaction(this.sql, async (tx) => {
      // The lock comes first: a statement reads the rows committed before it started, so only a
      // statement issued after the lock sees what the previous upload of this hub stored. The probe
      // is sent with it, not after it (the server runs them in turn), to save a round trip.
      const [[locked], heldRows] = await Promise.all([
        tx<{ acked_through_seq: number }[]>`
          select acked_through_seq from hubs where id = ${hub.id} for update`,
        tx<{ seq: number }[]>`
          select seq from sensor_events
          where hub_id = ${hub.id} and seq > (select acked_through_seq from hubs where id = ${hub.id})`,
      ]);
      const acked = locked?.acked_through_seq ?? 0;
      const held = new Set(heldRows.map((r) => r.seq));

      const stored = candidates.filter((e) => e.seq > acked && !held.has(e.seq));
      const through = contiguousThrough(acked, held, stored);
      // The cursor's update goes out with the rows, ahead of them: the rows' failure rolls it back,
      // and the hub's lock is held for one round trip less.
      const moving = tx`
        update hubs set acked_through_seq = ${through}, last_seen_at = now() where id = ${hub.id}`.execute();
      const writing =
        stored.length === 0
          ? Promise.resolve()
          : this.writer.write(
              tx,
              stored.length === candidates.length ? prepared : this.writer.prepare(rows(stored)),
            );
      // Both settle before either failure is raised, so neither is left unheard; a failed update
      // aborts the transaction, which the write then only echoes.
      const [moved, written] = await Promise.allSettled([moving, writing]);
      if (moved.status === 'rejected') throw moved.reason;
      if (written.status === 'rejected') throw written.reason;

      const changed: Alert[] = [];
      for (const e of stored) {
        if (e.kind !== 'alert' || !e.alert) continue;
        const alert = await this.alerts.recordFromHub(tx, hub, e.alert, e.ts, this.alertOptions());
        if (alert) changed.push(alert);
      }
      return { ackedThroughSeq: through, inserted: stored.length, alerts: changed, stored };
    });
  }
}

/** The events in seq order, the first of any seq sent twice in one batch. */
function firstOfEachSeq(events: SensorEvent[]): SensorEvent[] {
  const bySeq = new Map<number, SensorEvent>();
  for (const e of events) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

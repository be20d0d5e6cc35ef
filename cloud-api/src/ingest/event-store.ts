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
 * alerts, and advance the hub's contiguous cursor.
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
    return transaction(this.sql, async (tx) => {
      // The lock comes first and alone: a statement reads the rows committed before it started, so
      // only a statement issued after the lock sees what the previous upload of this hub stored.
      const [locked] = await tx<{ acked_through_seq: number }[]>`
        select acked_through_seq from hubs where id = ${hub.id} for update`;
      const acked = locked?.acked_through_seq ?? 0;
      const heldRows = await tx<{ seq: number }[]>`
        select seq from sensor_events where hub_id = ${hub.id} and seq > ${acked}`;
      const held = new Set(heldRows.map((r) => r.seq));

      const fresh = new Map<number, SensorEvent>();
      for (const e of events) if (e.seq > acked && !held.has(e.seq) && !fresh.has(e.seq)) fresh.set(e.seq, e);
      const stored = [...fresh.values()].sort((a, b) => a.seq - b.seq);
      if (stored.length > 0) {
        const rows: EventRows = { hubId: hub.id, seniorId: hub.seniorId, events: stored };
        await this.writer.write(tx, rows);
      }

      const changed: Alert[] = [];
      for (const e of stored) {
        if (e.kind !== 'alert' || !e.alert) continue;
        const alert = await this.alerts.recordFromHub(tx, hub, e.alert, e.ts, this.alertOptions());
        if (alert) changed.push(alert);
      }

      const through = contiguousThrough(acked, held, stored);
      await tx`update hubs set acked_through_seq = ${through}, last_seen_at = now() where id = ${hub.id}`;
      return { ackedThroughSeq: through, inserted: stored.length, alerts: changed, stored };
    });
  }
}

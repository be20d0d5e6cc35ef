import type { Alert, SensorEvent } from '@hearth/shared';
import type { AlertStore, RecordOptions } from '../alerts/alert-store.js';
import { type Sql, transaction } from '../db/database.js';

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
 * two uploads from one hub serialise, insert the absent seqs with one `unnest` statement, record alerts,
 * and advance the hub's contiguous cursor.
 */
export class EventStore {
  constructor(
    private readonly sql: Sql,
    private readonly alerts: AlertStore,
    private readonly alertOptions: () => RecordOptions,
  ) {}

  /** @param events already validated and all belonging to `hub`; duplicates within the batch are fine. */
  async ingest(hub: { id: string; seniorId: string }, events: SensorEvent[]): Promise<IngestResult> {
    const unique = new Map<number, SensorEvent>();
    for (const e of events) if (!unique.has(e.seq)) unique.set(e.seq, e);
    const batch = [...unique.values()];
    // Every column travels as text[] and is cast in SQL: one statement whatever the batch size.
    const col = (f: (e: SensorEvent) => string | null) => this.sql.array(batch.map(f) as string[]);

    const seqs = batch.map((e) => e.seq);
    const minSeq = Math.min(...seqs);
    const maxSeq = Math.max(...seqs);

    return transaction(this.sql, async (txRaw) => {
      const tx = txRaw as unknown as Sql;
      const [locked] = await tx<{ acked_through_seq: number }[]>`
        select acked_through_seq from hubs where id = ${hub.id} for update`;
      const acked = locked?.acked_through_seq ?? 0;

      const insertedRows = await tx<{ seq: number }[]>`
        insert into sensor_events (hub_id, senior_id, seq, ts, sensor_id, kind, value, room, boot_id, clock_unsynced)
        select ${hub.id}::uuid, ${hub.seniorId}::uuid, u.seq::bigint, u.ts::timestamptz, u.sensor_id, u.kind,
          u.value::jsonb, u.room, u.boot_id, u.clock_unsynced::boolean
        from unnest(
          ${col((e) => String(e.seq))}::text[],
          ${col((e) => e.ts)}::text[],
          ${col((e) => e.sensorId)}::text[],
          ${col((e) => e.kind)}::text[],
          ${col((e) => JSON.stringify(e.value))}::text[],
          ${col((e) => e.room ?? null)}::text[],
          ${col((e) => e.bootId ?? null)}::text[],
          ${col((e) => String(e.clockUnsynced ?? false))}::text[]
        ) as u(seq, ts, sensor_id, kind, value, room, boot_id, clock_unsynced)
        where u.seq::bigint > ${acked}
          and u.seq::bigint not in (
            -- One range scan per partition and a hashed anti-join, instead of a probe per row and partition.
            select s.seq from sensor_events s where s.hub_id = ${hub.id} and s.seq between ${minSeq} and ${maxSeq})
        returning seq`;
      const inserted = new Set(insertedRows.map((r) => r.seq));

      const changed: Alert[] = [];
      for (const e of batch) {
        if (e.kind !== 'alert' || !e.alert || !inserted.has(e.seq)) continue;
        const alert = await this.alerts.recordFromHub(tx, hub, e.alert, e.ts, this.alertOptions());
        if (alert) changed.push(alert);
      }

      // Contiguous from acked+1: while there is no gap, seq - row_number() stays equal to acked.
      const [next] = await tx<{ through: number }[]>`
        select coalesce(max(seq), ${acked})::bigint as through from (
          select seq, seq - row_number() over (order by seq) as d
          from sensor_events where hub_id = ${hub.id} and seq > ${acked}
        ) t where d = ${acked}`;
      const through = next?.through ?? acked;
      await tx`update hubs set acked_through_seq = ${through}, last_seen_at = now() where id = ${hub.id}`;
      const stored = batch.filter((e) => inserted.has(e.seq)).sort((a, b) => a.seq - b.seq);
      return { ackedThroughSeq: through, inserted: inserted.size, alerts: changed, stored };
    }) as Promise<IngestResult>;
  }
}

import type { Writable } from 'node:stream';
import type { SensorEvent } from '@hearth/shared';
import type { Sql } from '../db/database.js';

/** New rows of one hub, already known to be absent from `sensor_events`, in seq order. */
export interface EventRows {
  hubId: string;
  seniorId: string;
  events: SensorEvent[];
}

/** A batch of rows made ready for the database, before the transaction that writes it begins. */
export interface PreparedRows {
  rows: EventRows;
  /** What travels to the database: COPY's text already encoded, or the rows as one JSON parameter. */
  payload: Buffer | string;
}

/**
 * Writes a batch of event rows inside the caller's transaction. The rows are prepared first, outside
 * it, so the hub's lock is held only while they travel and the database stores them.
 */
export interface RowsWriter {
  prepare(rows: EventRows): PreparedRows;
  /** @throws the database's error; the caller's transaction then rolls back and nothing is stored. */
  write(tx: Sql, prepared: PreparedRows): Promise<void>;
}

const COLUMNS = '(hub_id, senior_id, seq, ts, sensor_id, kind, value, room, boot_id, clock_unsynced)';

// COPY's text format: backslash, tab, newline and carriage return are escaped, `\N` is NULL.
const SPECIAL = /[\\\t\n\r]/g;
const HAS_SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const field = (s: string) => (HAS_SPECIAL.test(s) ? s.replace(SPECIAL, (c) => ESCAPES[c]!) : s);
/** A reading's value as `jsonb` text; booleans and finite numbers print the same as JSON. */
const jsonValue = (v: SensorEvent['value']) =>
  typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
    ? String(v)
    : field(JSON.stringify(v));

/** The rows in COPY's text format, one line each. */
export function copyText({ hubId, seniorId, events }: EventRows): string {
  let out = '';
  for (const e of events) {
    const room = e.room === undefined ? '\\N' : field(e.room);
    const bootId = e.bootId === undefined ? '\\N' : field(e.bootId);
    const unsynced = e.clockUnsynced ? 't' : 'f';
    out += `${hubId}\t${seniorId}\t${e.seq}\t${e.ts}\t${field(e.sensorId)}\t${e.kind}\t${jsonValue(e.value)}\t${room}\t${bootId}\t${unsynced}\n`;
  }
  return out;
}

/**
 * PostgreSQL: `COPY … FROM STDIN`, the database's fastest way in (multi-row heap and WAL writes),
 * inside the upload's transaction like any other statement.
 */
export const copyRowsWriter: RowsWriter = {
  prepare: (rows) => ({ rows, payload: Buffer.from(copyText(rows)) }),
  async write(tx, { payload }) {
    const query = tx.unsafe(`copy sensor_events ${COLUMNS} from stdin`) as unknown as CopyQuery;
    await new Promise<void>((resolve, reject) => {
      // postgres.js 3.4 settles the query with the stream as soon as COPY starts, so the server's
      // refusal of a row (answered after the last one) reaches neither the stream nor the promise: it
      // arrives only through the query's reject, which would otherwise leave the upload hanging.
      const settle = query.reject;
      query.reject = (error) => {
        reject(error);
        settle(error);
      };
      void query.writable().then((stream) => {
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(payload);
      }, reject);
    });
  },
};

/** The part of postgres.js's pending query a COPY needs. */
interface CopyQuery {
  writable(): Promise<Writable>;
  reject: (error: unknown) => void;
}

/**
 * Embedded PGlite, whose socket does not carry COPY: one statement with the batch as one JSON
 * parameter, spread into columns by the database.
 */
export const insertRowsWriter: RowsWriter = {
  prepare: (rows) => ({ rows, payload: JSON.stringify(rows.events) }),
  async write(tx, { rows: { hubId, seniorId }, payload }) {
    await tx`
      insert into sensor_events ${tx.unsafe(COLUMNS)}
      select ${hubId}::uuid, ${seniorId}::uuid, e.seq, e.ts, e."sensorId", e.kind,
        coalesce(e.value, 'null'::jsonb), e.room, e."bootId", coalesce(e."clockUnsynced", false)
      from json_to_recordset(${payload.toString()}::text::json) as e(
        seq bigint, ts timestamptz, "sensorId" text, kind text, value jsonb, room text, "bootId" text,
        "clockUnsynced" boolean)`;
  },
};

/**
 * The highest seq reached from `acked` without a gap, through seqs already `held` above it and the
 * ones just `stored`.
 */
export function contiguousThrough(acked: number, held: Set<number>, stored: SensorEvent[]): number {
  const fresh = new Set(stored.map((e) => e.seq));
  let through = acked;
  while (held.has(through + 1) || fresh.has(through + 1)) through++;
  return through;
}

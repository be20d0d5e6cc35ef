import type { SensorEvent } from '@hearth/shared';
import type { OutboxEntry } from '../store/outbox.js';

/** Turns a committed outbox entry into the event the cloud stores. */
export function toWireEvent(entry: OutboxEntry, hubId: string): SensorEvent {
  const event: SensorEvent = {
    hubId,
    seq: entry.seq,
    ts: new Date(entry.ts).toISOString(),
    sensorId: entry.sensorId,
    kind: entry.kind,
    value: entry.value,
    bootId: entry.bootId,
  };
  if (entry.room !== undefined) event.room = entry.room;
  if (entry.clockUnsynced) event.clockUnsynced = true;
  if (entry.alert !== undefined) event.alert = entry.alert;
  if (entry.robot !== undefined) event.robot = entry.robot;
  return event;
}

/**
 * Stands in for a seq the hub no longer holds (a routine reading the disk quota dropped, or one
 * lost with a corrupt database). The cloud acknowledges only gap-free runs, so without it the
 * upload cursor could never pass the hole; the marker says honestly that the reading is gone.
 */
export function gapMarker(seq: number, ts: number, hubId: string, value = 'reading_dropped'): SensorEvent {
  return {
    hubId,
    seq,
    ts: new Date(ts).toISOString(),
    sensorId: 'hub',
    kind: 'heartbeat',
    value,
  };
}

/** Stands in for an event the cloud refused as invalid; the event itself stays on the hub. */
export function refusedMarker(event: SensorEvent): SensorEvent {
  return gapMarker(event.seq, Date.parse(event.ts), event.hubId, 'reading_refused');
}

/**
 * The next in-order batch after `cursor`: the held entries, with a gap marker for every missing
 * seq, at most `limit` events. `heldIsAll` says `held` is every entry after the cursor, so seqs
 * after the last one up to `lastSeq` are missing too.
 */
export function buildOrderedBatch(
  cursor: number,
  held: OutboxEntry[],
  heldIsAll: boolean,
  lastSeq: number,
  limit: number,
  hubId: string,
  now: number,
): SensorEvent[] {
  const events: SensorEvent[] = [];
  let expected = cursor + 1;
  for (const entry of held) {
    while (expected < entry.seq && events.length < limit) events.push(gapMarker(expected++, entry.ts, hubId));
    if (events.length >= limit) return events;
    events.push(toWireEvent(entry, hubId));
    expected = entry.seq + 1;
  }
  while (heldIsAll && expected <= lastSeq && events.length < limit)
    events.push(gapMarker(expected++, now, hubId));
  return events;
}

import type { ObservedEvent } from './types.js';

/**
 * What detection remembers: the recent events in time order, plus the latest event of every
 * sensor ever seen (so a sensor that fell silent days ago is still known).
 */
export interface EventWindow {
  /** Events newer than the retention, oldest first. */
  readonly events: readonly ObservedEvent[];
  /** Latest event per sensorId, however old. */
  readonly latest: ReadonlyMap<string, ObservedEvent>;
  /** Sensors that have ever sent a `heartbeat` (only those are expected to keep sending them). */
  readonly heartbeating: ReadonlySet<string>;
  /** When observation began: nothing before this is known, so silence before it is not evidence. */
  readonly since: number;
  /** The earliest moment the window holds history for (earlier than `since` once warmed up from the outbox). */
  readonly historyFrom: number;
}

/** The mutable store behind an EventWindow; the detector owns exactly one. */
export class SlidingWindow implements EventWindow {
  private buffer: ObservedEvent[] = [];
  readonly latest = new Map<string, ObservedEvent>();
  readonly heartbeating = new Set<string>();
  historyFrom: number;

  constructor(
    readonly since: number,
    private readonly retentionMs: number,
  ) {
    this.historyFrom = since;
  }

  get events(): readonly ObservedEvent[] {
    return this.buffer;
  }

  /** Adds an event, keeping time order even when a late event arrives out of order. */
  add(event: ObservedEvent): void {
    const last = this.buffer[this.buffer.length - 1];
    if (!last || last.ts <= event.ts) this.buffer.push(event);
    else {
      let i = this.buffer.length;
      while (i > 0 && (this.buffer[i - 1] as ObservedEvent).ts > event.ts) i--;
      this.buffer.splice(i, 0, event);
    }
    const prev = this.latest.get(event.sensorId);
    if (!prev || prev.ts <= event.ts) this.latest.set(event.sensorId, event);
    if (event.kind === 'heartbeat') this.heartbeating.add(event.sensorId);
    if (event.ts < this.historyFrom) this.historyFrom = event.ts;
  }

  /** Forgets events older than the retention before `now`. */
  trim(now: number): void {
    const cutoff = now - this.retentionMs;
    let drop = 0;
    while (drop < this.buffer.length && (this.buffer[drop] as ObservedEvent).ts < cutoff) drop++;
    if (drop > 0) this.buffer.splice(0, drop);
  }
}

/** Index of the first event at or after `ts` (binary search over the time-ordered events). */
export function firstIndexAtOrAfter(events: readonly ObservedEvent[], ts: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((events[mid] as ObservedEvent).ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

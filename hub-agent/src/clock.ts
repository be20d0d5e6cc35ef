/**
 * Time as the hub sees it. Everything that waits or timestamps takes a Clock so tests and the
 * simulated home can run days in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  /** Runs `fn` after `ms`; the returned function cancels it (a no-op once it has run). */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

interface PendingTimer {
  at: number;
  order: number;
  fn: () => void;
}

/** A clock that only moves when told to: `advance(ms)` runs every timer that falls due, in order. */
export class FakeClock implements Clock {
  private current: number;
  private timers = new Set<PendingTimer>();
  private created = 0;

  constructor(start: number | Date = Date.UTC(2026, 0, 5, 6, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), order: this.created++, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time forward by `ms`, firing due timers (including ones they schedule) in time order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.timers]
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.timers.delete(next);
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }

  /** Number of timers still waiting; lets tests prove a module cleaned up after itself. */
  pendingTimers(): number {
    return this.timers.size;
  }
}

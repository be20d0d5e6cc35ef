/**
 * Time as the cloud's modules see it. Everything that waits or timestamps on a schedule takes a
 * Clock, so tests drive time instead of sleeping.
 */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Runs `fn` every `ms` until the returned function is called (idempotent). Never keeps the process up. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

interface Repeating {
  next: number;
  ms: number;
  order: number;
  fn: () => void;
}

/** A clock that only moves when told to: `advance(ms)` fires every due repetition, in time order. */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers = new Set<Repeating>();
  private created = 0;

  constructor(start: number | Date = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  every(ms: number, fn: () => void): () => void {
    const timer = { next: this.current + Math.max(1, ms), ms: Math.max(1, ms), order: this.created++, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time forward by `ms`, firing each repetition as often as it fell due. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = [...this.timers]
        .filter((t) => t.next <= target)
        .sort((a, b) => a.next - b.next || a.order - b.order)[0];
      if (!due) break;
      this.current = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.current = target;
  }

  /** Repetitions still scheduled; lets a test prove a module stopped its timers. */
  pendingTimers(): number {
    return this.timers.size;
  }
}

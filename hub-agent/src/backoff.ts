/**
 * The hub's one retry policy: the wait doubles from `initialMs` up to `maxMs`, and each wait is
 * spread by jitter so hubs (or serial nodes) that failed together do not return together. The
 * uplink, the control channel and the serial lines each hold one; only the spread differs.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /**
   * The wait is drawn in `[low, high] × the doubled delay`. Default `[0.5, 1]`: "full jitter"
   * bounded below, so a retry never comes sooner than half the delay.
   */
  spread?: readonly [low: number, high: number];
  /** Source of jitter in [0, 1); Math.random by default. */
  random?: () => number;
}

export class Backoff {
  private count = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Failures counted since the last reset. */
  get failures(): number {
    return this.count;
  }

  /** Counts a failure and answers the wait before the next attempt, in whole ms. */
  next(): number {
    const { initialMs, maxMs, spread = [0.5, 1], random = Math.random } = this.options;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.count, 30));
    this.count += 1;
    const [low, high] = spread;
    return Math.round(delay * (low + (high - low) * random()));
  }

  /** Back to the first wait, after a success. */
  reset(): void {
    this.count = 0;
  }
}

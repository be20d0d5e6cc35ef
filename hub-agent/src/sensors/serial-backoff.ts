/**
 * Waits between attempts to reopen a serial device: doubling from `initialMs` up to `maxMs`, each
 * spread ±20 % so several nodes on one hub do not retry in lockstep after a shared USB hub resets.
 */
export class ReconnectBackoff {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.current = initialMs;
  }

  /** The wait before the next attempt; each call doubles the following one, up to the cap. */
  next(): number {
    const wait = Math.round(this.current * (0.8 + 0.4 * this.random()));
    this.current = Math.min(this.current * 2, this.maxMs);
    return wait;
  }

  /** Back to the first wait, after the device opened. */
  reset(): void {
    this.current = this.initialMs;
  }
}

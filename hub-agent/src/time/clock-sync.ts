import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Clock } from '../clock.js';

const run = promisify(execFile);

/** Milliseconds on the kernel's monotonic clock, which counts from boot on Linux and never jumps. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** This boot's id from the kernel, or a random one where the kernel does not say. */
export function readBootId(path = '/proc/sys/kernel/random/boot_id'): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return `boot-${crypto.randomUUID()}`;
  }
}

/**
 * Whether the wall clock has been set from the network. A Pi has no battery clock: until NTP
 * answers, it may say 1970 or a date weeks old. Asks systemd-timesyncd's flag file, then
 * `timedatectl`; where neither exists (containers, development machines) a clock past 2025 counts.
 */
export async function systemClockSynced(now = Date.now()): Promise<boolean> {
  if (existsSync('/run/systemd/timesync/synchronized')) return true;
  try {
    const { stdout } = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {
      timeout: 2000,
    });
    return stdout.trim() === 'yes';
  } catch {
    return new Date(now).getUTCFullYear() >= 2025;
  }
}

export interface ClockSyncDeps {
  clock: Clock;
  /** Asked until it first says yes. */
  isSynced: () => Promise<boolean>;
  /** ms on a clock that counts from boot and never jumps. */
  monoMs?: () => number;
  /** Called once when the clock becomes synchronised, with a function giving the true time of a mono instant. */
  onSynced?: (trueTimeOf: (monoMs: number) => number) => void;
  /** How often to ask, in ms (default one minute). */
  pollMs?: number;
}

/** Tracks whether timestamps can be trusted, and tells the outbox to correct them once they can. */
export class ClockSync {
  private synced = false;
  private cancel: () => void = () => {};
  private stopped = false;

  constructor(private readonly deps: ClockSyncDeps) {}

  /** Learns the current state; keeps asking in the background until the clock is synchronised. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel();
  }

  /** What to record with a reading taken now. */
  stamp(): { clockUnsynced: boolean; monoMs: number } {
    return { clockUnsynced: !this.synced, monoMs: (this.deps.monoMs ?? monotonicMs)() };
  }

  isSynced(): boolean {
    return this.synced;
  }

  private async check(): Promise<void> {
    let synced = false;
    try {
      synced = await this.deps.isSynced();
    } catch {
      synced = false;
    }
    if (this.stopped) return;
    if (synced) {
      this.synced = true;
      const mono = this.deps.monoMs ?? monotonicMs;
      const wallNow = this.deps.clock.now();
      const monoNow = mono();
      this.deps.onSynced?.((monoMs) => wallNow - (monoNow - monoMs));
      return;
    }
    this.cancel = this.deps.clock.setTimeout(() => void this.check(), this.deps.pollMs ?? 60_000);
  }
}

import type { Clock } from '../clock.js';
import type { SensorReading } from './source.js';

interface Expectation {
  intervalMs: number;
  room?: string;
  lastHeardAt: number;
  available: boolean;
}

export interface AvailabilityDeps {
  clock: Clock;
  /** Where availability changes go: into the outbox like any reading. */
  emit: (reading: SensorReading) => void;
  /** A sensor sending `heartbeat` readings is expected at this interval unless told otherwise (ms). */
  defaultHeartbeatMs?: number;
  /** Silence longer than this many intervals makes a sensor unavailable (default 2.5: two missed beats). */
  missedBeats?: number;
  /** How often silence is checked (ms). */
  checkEveryMs?: number;
}

/**
 * Notices devices that went quiet. Each sensor with an expected heartbeat that stays silent too
 * long is reported `availability: false` once — a dead battery is a device event, never mistaken
 * for a person who stopped moving — and `availability: true` when it is heard again.
 */
export class AvailabilityMonitor {
  private readonly expected = new Map<string, Expectation>();
  private cancel: () => void = () => {};
  private running = false;

  constructor(private readonly deps: AvailabilityDeps) {}

  /** Expects `sensorId` to be heard at least every `intervalMs`; the clock starts now. */
  expect(sensorId: string, intervalMs: number, room?: string): void {
    this.expected.set(sensorId, {
      intervalMs,
      room,
      lastHeardAt: this.deps.clock.now(),
      available: this.expected.get(sensorId)?.available ?? true,
    });
  }

  /** Stops expecting a sensor (it was removed). */
  forget(sensorId: string): void {
    this.expected.delete(sensorId);
  }

  /** Records a reading; a source's own `availability: false` counts as unavailable too. */
  observe(reading: SensorReading): void {
    let entry = this.expected.get(reading.sensorId);
    if (!entry && reading.kind === 'heartbeat' && this.deps.defaultHeartbeatMs) {
      this.expect(reading.sensorId, this.deps.defaultHeartbeatMs, reading.room);
      entry = this.expected.get(reading.sensorId)!;
    }
    if (!entry) return;
    if (reading.kind === 'availability') {
      entry.available = reading.value === true;
      return;
    }
    entry.lastHeardAt = Math.max(entry.lastHeardAt, reading.ts);
    if (!entry.available) this.change(reading.sensorId, entry, true);
  }

  async start(): Promise<void> {
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancel();
  }

  /** Reports every expected sensor silent for too long; returns their ids. */
  check(): string[] {
    const now = this.deps.clock.now();
    const missed = this.deps.missedBeats ?? 2.5;
    const silent: string[] = [];
    for (const [sensorId, entry] of this.expected) {
      if (entry.available && now - entry.lastHeardAt > entry.intervalMs * missed) {
        this.change(sensorId, entry, false);
        silent.push(sensorId);
      }
    }
    return silent;
  }

  private change(sensorId: string, entry: Expectation, available: boolean): void {
    entry.available = available;
    this.deps.emit({
      sensorId,
      kind: 'availability',
      value: available,
      ...(entry.room ? { room: entry.room } : {}),
      ts: this.deps.clock.now(),
    });
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancel = this.deps.clock.setTimeout(() => {
      this.check();
      this.schedule();
    }, this.deps.checkEveryMs ?? 10_000);
  }
}

import type { RobotStatus } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SensorReading } from '../sensors/source.js';
import type { RobotLink } from './link/robot-link.js';
import type { RobotRecord, RobotRegistry } from './store/credentials.js';

/** A robot as `hearth status` shows it. */
export type RobotView = RobotRecord & {
  /** What the hub makes of it: can it be sent on a check now? */
  availability: 'available' | 'busy' | 'low_battery' | 'offline' | 'unknown';
};

export interface FleetDeps {
  registry: RobotRegistry;
  link: RobotLink;
  clock: Clock;
  log: Logger;
  /** Records a reading (kind `robot`) through the collector, so detection sees the robot's availability. */
  observe: (reading: SensorReading) => void;
  /** Below this battery level a robot is not sent on checks and counts as unavailable. */
  lowBatteryPercent: number;
}

/**
 * The robots of this home as their status messages describe them. Each status is kept in
 * the hub's state store (for `hearth robot list`), and a change in whether a robot can work becomes a reading
 * of kind `robot` (`offline`, `unavailable` for a low battery, or the state): a device matter the
 * devices rule turns into a device alert, never activity or inactivity of the senior.
 */
export class RobotFleet {
  private readonly reported = new Map<string, string>();
  private off: () => void = () => {};

  constructor(private readonly deps: FleetDeps) {}

  async start(): Promise<void> {
    this.off = this.deps.link.onMessage((m) => {
      if (m.channel === 'status') this.statusOf(m.robotId, m.status);
      else this.deps.registry.noteSeen(m.robotId, this.deps.clock.now());
    });
  }

  async stop(): Promise<void> {
    this.off();
  }

  /** Every paired robot with what the hub makes of it. */
  list(): RobotView[] {
    return this.deps.registry.list().map((r) => ({ ...r, availability: this.availabilityOf(r) }));
  }

  /** The robot to send on a check: available first, then the fullest battery; null when none can go. */
  pick(): string | null {
    const rank = { online: 0, docked: 1, charging: 2 } as Record<string, number>;
    const ready = this.list()
      .filter((r) => r.availability === 'available')
      .sort(
        (a, b) =>
          (rank[a.state ?? ''] ?? 9) - (rank[b.state ?? ''] ?? 9) || (b.battery ?? 0) - (a.battery ?? 0),
      );
    return ready[0]?.robotId ?? null;
  }

  private availabilityOf(r: RobotRecord): RobotView['availability'] {
    if (r.state === null) return 'unknown';
    if (r.state === 'offline') return 'offline';
    if ((r.battery ?? 0) < this.deps.lowBatteryPercent) return 'low_battery';
    if (r.state === 'busy') return 'busy';
    return 'available';
  }

  private statusOf(robotId: string, status: RobotStatus): void {
    const now = this.deps.clock.now();
    if (!this.deps.registry.has(robotId)) {
      this.deps.log.warn({ robotId }, 'status from a robot that is not paired (revoked?); ignored');
      return;
    }
    this.deps.registry.noteStatus(robotId, status, now);
    const value =
      status.state === 'offline'
        ? 'offline'
        : status.battery < this.deps.lowBatteryPercent
          ? 'unavailable'
          : status.state;
    if (this.reported.get(robotId) === value) return;
    this.reported.set(robotId, value);
    this.deps.log.info({ robotId, state: status.state, battery: status.battery }, 'robot status changed');
    this.deps.observe({
      ts: now,
      sensorId: `robot:${robotId}`,
      kind: 'robot',
      value,
      ...(status.room !== null && { room: status.room }),
    });
  }
}

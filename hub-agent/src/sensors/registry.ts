import type { SensorStatus } from '../control/status.js';
import type { SensorReading } from './source.js';

interface Known {
  id: string;
  kind: string;
  room: string | null;
  source: string;
  available: boolean | null;
  lastSeenAt: number | null;
}

/** The sensors this hub knows, when each was last heard, and whether it is available. */
export class SensorRegistry {
  private readonly sensors = new Map<string, Known>();

  /** Adds a sensor the hub expects to hear from (from configuration or a source's list). */
  declare(sensor: { id: string; kind: string; room?: string; source: string }): void {
    const existing = this.sensors.get(sensor.id);
    this.sensors.set(sensor.id, {
      id: sensor.id,
      kind: sensor.kind,
      room: sensor.room ?? null,
      source: sensor.source,
      available: existing?.available ?? null,
      lastSeenAt: existing?.lastSeenAt ?? null,
    });
  }

  /** Records a reading; a sensor never declared is added with the reading's source unknown. */
  seen(reading: SensorReading, source = 'unknown'): void {
    if (reading.kind === 'availability') {
      const known = this.sensors.get(reading.sensorId);
      if (known) known.available = reading.value === true;
      return;
    }
    let known = this.sensors.get(reading.sensorId);
    if (!known) {
      this.declare({ id: reading.sensorId, kind: reading.kind, room: reading.room, source });
      known = this.sensors.get(reading.sensorId)!;
    }
    known.lastSeenAt = reading.ts;
    if (known.available === null) known.available = true;
  }

  /** Every known sensor, sorted by id. */
  list(): SensorStatus[] {
    return [...this.sensors.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((s) => ({
        ...s,
        lastSeenAt: s.lastSeenAt === null ? null : new Date(s.lastSeenAt).toISOString(),
      }));
  }

  /** Forgets a removed sensor. */
  forget(id: string): void {
    this.sensors.delete(id);
  }

  /** When `id` was last heard (ms), or null. */
  lastSeen(id: string): number | null {
    return this.sensors.get(id)?.lastSeenAt ?? null;
  }
}

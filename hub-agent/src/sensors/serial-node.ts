import type { Delivery, HelloMessage } from '@hearth/firmware-bridge';
import type { SensorReading } from './source.js';

/** Why a node's sensors were reported unavailable: it fell silent, its device went away, or another node took its line. */
export type UnavailableReason = 'silent' | 'disconnected' | 'replaced';

/** What the hub knows about one node on a serial line, for `hearth status` and diagnostics. */
export interface SerialNodeStatus {
  nodeId: string;
  firmwareVersion: string;
  bootId: number;
  sensorIds: string[];
  available: boolean | null;
  lastHeardAt: number | null;
  /** Frames naming a sensor index the node's hello did not announce (dropped, acked). */
  unknownSensorFrames: number;
  /** How many frames the node says it gave up because its resend queue was full. */
  droppedByNode: number;
}

/** Longest time span the node's uptime may be trusted to date a reading back (a day). */
const MAX_BACKDATE_MS = 24 * 60 * 60_000;

/**
 * Turns one node's messages into hub readings: `<nodeId>/<sensor>` ids, the node's sensor kinds, and
 * timestamps on the hub's clock. A reading the node resent late keeps the time it was measured: the
 * node's uptime is anchored to the hub clock at each hello and heartbeat, and a reading's uptime is
 * placed relative to that anchor (never in the future, never more than a day back).
 */
export class SerialNode {
  private hello: HelloMessage;
  private anchor: { hubMs: number; uptimeMs: number };
  private available: boolean | null = null;
  private lastHeardAt: number | null = null;
  private unknownSensorFrames = 0;
  private droppedByNode = 0;

  constructor(
    hello: HelloMessage,
    now: number,
    private readonly rooms: Readonly<Record<string, string>>,
  ) {
    this.hello = hello;
    this.anchor = { hubMs: now, uptimeMs: hello.uptimeMs };
  }

  get nodeId(): string {
    return this.hello.nodeId;
  }

  /** The heartbeat interval the node promised in its hello. */
  get heartbeatIntervalMs(): number {
    return this.hello.heartbeatIntervalMs;
  }

  get isAvailable(): boolean | null {
    return this.available;
  }

  /** The hub-wide id of the sensor at `index`, or undefined if the hello did not announce one there. */
  sensorId(index: number): string | undefined {
    const sensor = this.hello.sensors[index];
    return sensor ? `${this.hello.nodeId}/${sensor.name}` : undefined;
  }

  /**
   * Maps a delivery to the readings to emit (zero or one). Also refreshes the time anchor and the
   * last-heard time. A frame for a sensor index the hello did not announce yields nothing and is counted.
   */
  readingsFor(delivery: Delivery, now: number): SensorReading[] {
    this.lastHeardAt = now;
    const { message } = delivery;
    switch (message.type) {
      case 'hello':
        this.hello = message;
        this.anchor = { hubMs: now, uptimeMs: message.uptimeMs };
        return [];
      case 'heartbeat':
        this.anchor = { hubMs: now, uptimeMs: message.uptimeMs };
        this.droppedByNode = message.dropped;
        return [];
      case 'reading':
      case 'event': {
        const sensor = this.hello.sensors[message.sensor];
        const sensorId = this.sensorId(message.sensor);
        if (!sensor || !sensorId) {
          this.unknownSensorFrames++;
          return [];
        }
        return [
          {
            sensorId,
            kind: sensor.kind,
            value: message.type === 'reading' ? message.value : message.active,
            room: this.roomOf(sensorId),
            ts: this.hubTime(message.uptimeMs, now),
          },
        ];
      }
    }
  }

  /**
   * Records a change of availability and returns the `availability` readings to emit for every sensor
   * of the node, or none when nothing changed.
   */
  setAvailable(available: boolean, now: number): SensorReading[] {
    if (this.available === available) return [];
    this.available = available;
    return this.hello.sensors.map((_, index) => {
      const sensorId = this.sensorId(index)!;
      return {
        sensorId,
        kind: 'availability' as const,
        value: available,
        room: this.roomOf(sensorId),
        ts: now,
      };
    });
  }

  status(): SerialNodeStatus {
    return {
      nodeId: this.hello.nodeId,
      firmwareVersion: this.hello.firmwareVersion,
      bootId: this.hello.bootId,
      sensorIds: this.hello.sensors.map((_, i) => this.sensorId(i)!),
      available: this.available,
      lastHeardAt: this.lastHeardAt,
      unknownSensorFrames: this.unknownSensorFrames,
      droppedByNode: this.droppedByNode,
    };
  }

  private roomOf(sensorId: string): string | undefined {
    return this.rooms[sensorId] ?? this.rooms[this.hello.nodeId];
  }

  private hubTime(uptimeMs: number, now: number): number {
    // Signed 32-bit difference: correct across the node's millis() wrap after ~49.7 days.
    const sinceAnchor = (uptimeMs - this.anchor.uptimeMs) | 0;
    const ts = this.anchor.hubMs + sinceAnchor;
    return Math.min(now, Math.max(ts, now - MAX_BACKDATE_MS));
  }
}

import type { ReadingValue, SensorKind } from '@hearth/shared';
import type { z } from 'zod';
import type { AppendOptions, OutboxEntry } from '../store/outbox.js';

/** One observation from a sensor, before the outbox gives it a seq. */
export interface SensorReading {
  /** Stable id of the sensor within this hub, e.g. `pir-kitchen` or `node3/temp`. */
  sensorId: string;
  kind: SensorKind;
  value: z.infer<typeof ReadingValue>;
  room?: string;
  /** When it happened, in ms since the epoch (taken from the hub's Clock). */
  ts: number;
}

/**
 * Commits a reading (synchronously) and returns the committed entry, or null when the reading broke
 * the event rules (logged and counted). Throws when the outbox refused the write: the reading was
 * not recorded. `options.alongside` commits in the same transaction (a serial frame's note).
 */
export type Emit = (reading: SensorReading, options?: AppendOptions) => OutboxEntry | null;

/**
 * Anything that produces readings: GPIO pins, a serial microcontroller, the simulated home.
 * A source reports its own faults as readings (`availability` with value `false`) rather
 * than throwing: one broken sensor must never stop the others.
 */
export interface SensorSource {
  /** Short name for logs and `hearth status`, e.g. `gpio`, `serial:/dev/ttyUSB0`, `simulated-home`. */
  readonly name: string;
  /**
   * Begins producing readings through `emit`. Resolves once the source is running; rejects only
   * for configuration errors the technician must fix (the message says how).
   */
  start(emit: Emit): Promise<void>;
  /** Stops producing readings and releases the hardware; safe to call twice. */
  stop(): Promise<void>;
}

import type { AlertSeverity, AlertSource, ReadingValue, SensorKind } from '@hearth/shared';
import type { z } from 'zod';

/** An event the hub has committed to its outbox, as detection sees it. */
export interface ObservedEvent {
  seq: number;
  /** ms since the epoch */
  ts: number;
  sensorId: string;
  kind: SensorKind;
  value: z.infer<typeof ReadingValue>;
  room?: string;
}

/** Something detection decided deserves an alert; the hub commits it, then acts on it. */
export interface Detection {
  /** e.g. `pendant_pressed`, `inactivity`, `bathroom_too_long`, `model_anomaly` */
  kind: string;
  severity: z.infer<typeof AlertSeverity>;
  source: z.infer<typeof AlertSource>;
  /** One sentence a care worker understands at 3 a.m. */
  message: string;
  /** The events (or features) that triggered it. */
  evidence: Record<string, unknown>[];
}

/**
 * Hard rules and the senior's model, behind one face. Implementations keep their own sliding
 * window and cool-downs; they never throw for odd data (a rule that cannot judge stays silent
 * and logs why).
 */
export interface Detector {
  /** Looks at one committed event and returns the alerts it raises now. */
  observe(event: ObservedEvent): Promise<Detection[]>;
  /** Called periodically with the current time; raises time-based alerts (inactivity, …). */
  tick(now: number): Promise<Detection[]>;
}

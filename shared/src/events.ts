import { z } from 'zod';
import { RobotEvent } from './robot.js';
import { storableJsonObject, storableText, Timestamp } from './storable.js';

/** Largest batch a hub may upload at once; the cloud refuses bigger ones. */
export const MAX_BATCH_EVENTS = 1000;

/**
 * Upload requests a hub keeps in flight while it works through a backlog: the cloud reads and checks
 * the next batch while its database stores the one before. The cloud stores a batch above a gap and
 * acknowledges only gap-free runs, so order does not depend on which request it takes first. The
 * hub's uplink posts at most one batch ahead, so this is 1 or 2.
 */
export const UPLOADS_IN_FLIGHT: 1 | 2 = 2;

/** Identifier of a hub as issued by the cloud when it is claimed. */
export const HubId = z.uuid();

/** What a sensor measures or reports; `alert` carries an alert raised on the hub. */
export const SensorKind = z.enum([
  'motion',
  'contact',
  'pressure',
  'button',
  'temperature',
  'humidity',
  'heartbeat',
  'availability',
  'robot',
  'alert',
]);
export type SensorKind = z.infer<typeof SensorKind>;

export const AlertSeverity = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/** Where an alert came from: a hard rule, the senior's model, the robot, a button, or a device fault. */
export const AlertSource = z.enum(['rule', 'model', 'robot', 'button', 'device']);
export type AlertSource = z.infer<typeof AlertSource>;

/** An alert as the hub raises it. `alertId` is chosen by the hub so uploads stay idempotent. */
export const RaisedAlert = z.object({
  alertId: z.uuid(),
  kind: storableText().min(1).max(64),
  severity: AlertSeverity,
  source: AlertSource,
  message: storableText().min(1).max(500),
  evidence: z.array(storableJsonObject()).max(50).default([]),
});
export type RaisedAlert = z.infer<typeof RaisedAlert>;

/** A reading's value: a level, a state, or a short label. */
export const ReadingValue = z.union([z.number(), z.boolean(), storableText().max(256)]).nullable();

/**
 * Everything that happens in a home, in the order the hub committed it.
 * `(hubId, seq)` identifies an event for ever; the cloud stores each pair once.
 */
export const SensorEvent = z.object({
  hubId: HubId,
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  ts: Timestamp,
  sensorId: storableText().min(1).max(64),
  kind: SensorKind,
  value: ReadingValue,
  room: storableText().min(1).max(64).optional(),
  /** Boot the event was recorded in: seq order is exact, `ts` may be corrected later within one boot. */
  bootId: storableText().min(1).max(64).optional(),
  /** True when the hub's clock had not been synchronised when `ts` was taken. */
  clockUnsynced: z.boolean().optional(),
  /** Present exactly when `kind` is `alert`. */
  alert: RaisedAlert.optional(),
  /** A robot command's hop (sent, ack, progress, result, expired), when `kind` is `robot`. */
  robot: RobotEvent.optional(),
});
export type SensorEvent = z.infer<typeof SensorEvent>;

export const UploadBatch = z.object({
  events: z.array(SensorEvent).min(1).max(MAX_BATCH_EVENTS),
});
export type UploadBatch = z.infer<typeof UploadBatch>;

/** The cloud's answer: the highest seq it holds with no gap before it. */
export const UploadAck = z.object({
  ackedThroughSeq: z.number().int().nonnegative(),
});
export type UploadAck = z.infer<typeof UploadAck>;

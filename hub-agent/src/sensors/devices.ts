import { summariseIssues } from '@hearth/shared';
import { z } from 'zod';
import type { PairedDevice } from '../store/hub-state.js';
import { GpioSensorSettings } from './gpio/gpio-source.js';

/** Ids appear in events and alerts; keep them short, readable and safe in URLs. */
export const DeviceId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/i,
    'use letters, digits, dot, dash or underscore (at most 64), e.g. pir-kitchen',
  );

/** A serial microcontroller; the by-id path survives unplugging and replugging. */
export const SerialDeviceSettings = z
  .object({
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(115_200),
  })
  .strict();

/** What `hearth sensors add` sends: one device and its type's settings. */
export const DeviceInput = z.discriminatedUnion('type', [
  z.object({
    id: DeviceId,
    type: z.literal('gpio'),
    room: z.string().min(1).max(64).optional(),
    heartbeatSeconds: z.number().int().positive().optional(),
    settings: GpioSensorSettings,
  }),
  z.object({
    id: DeviceId,
    type: z.literal('serial'),
    room: z.string().min(1).max(64).optional(),
    heartbeatSeconds: z.number().int().positive().optional(),
    settings: SerialDeviceSettings,
  }),
]);
export type DeviceInput = z.input<typeof DeviceInput>;

/** Thrown for a device description that cannot work; the message names the bad setting. */
export class DeviceError extends Error {
  readonly code = 'INVALID_DEVICE';
}

/** Validates a device to add; heartbeatSeconds is kept with the settings. */
export function parseDevice(input: unknown, now: number): PairedDevice {
  const parsed = DeviceInput.safeParse(input);
  if (!parsed.success) throw new DeviceError(`invalid sensor: ${summariseIssues(parsed.error)}`);
  const { id, type, room, heartbeatSeconds, settings } = parsed.data;
  return {
    id,
    type,
    settings: { ...settings, ...(heartbeatSeconds ? { heartbeatSeconds } : {}) },
    ...(room ? { room } : {}),
    addedAt: now,
  };
}

/** The expected heartbeat of a device in ms, if it has one. */
export function heartbeatMs(device: PairedDevice): number | null {
  const seconds = device.settings.heartbeatSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : null;
}

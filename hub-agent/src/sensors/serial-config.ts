import { readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { summariseIssues } from '@hearth/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { SerialSource, SerialSourceConfigError } from './serial-source.js';

/**
 * One sensor node on a serial line, as written in the agent's config file (`serial: [...]`) or in a
 * paired device's settings (`type: 'serial'`). Everything but `path` has a default.
 */
export const SerialNodeSettings = z
  .object({
    /** The node's device, preferably its /dev/serial/by-id/… link (stable across replugs and reboots). */
    path: z.string().startsWith('/', 'must be an absolute device path such as /dev/serial/by-id/usb-…'),
    baudRate: z.number().int().positive().default(115_200),
    /** Room per sensor id (`node-1/temp`) or per node id (`node-1`, all its sensors). */
    rooms: z.record(z.string(), z.string().min(1).max(64)).default({}),
    reconnectInitialMs: z.number().int().min(10).default(500),
    reconnectMaxMs: z.number().int().min(100).default(30_000),
    /** Heartbeat intervals a node may miss before its sensors are reported unavailable. */
    missedHeartbeats: z.number().int().min(2).max(100).default(3),
  })
  .strict();
export type SerialNodeSettings = z.infer<typeof SerialNodeSettings>;

/**
 * Builds the serial source for one node from untrusted settings. Throws `SerialSourceConfigError`
 * naming `where` (e.g. `serial[0]` or the paired device id), the setting and the bad value.
 */
export function createSerialSource(
  settings: unknown,
  deps: { clock: Clock; log?: Logger },
  where = 'serial',
): SerialSource {
  const parsed = SerialNodeSettings.safeParse(settings);
  if (!parsed.success) {
    throw new SerialSourceConfigError(
      `invalid serial node settings in ${where}: ${summariseIssues(parsed.error)}`,
    );
  }
  return new SerialSource({ ...parsed.data, clock: deps.clock, log: deps.log?.child({ source: 'serial' }) });
}

/** A serial device the technician can pick, as `hearth diagnose` and `hearth sensors add` show it. */
export interface SerialDeviceLink {
  /** The stable name to put in the config, e.g. /dev/serial/by-id/usb-Arduino_Uno_123-if00. */
  path: string;
  /** What it points at now, e.g. /dev/ttyACM0. */
  device: string;
}

/**
 * The USB-serial devices plugged in, by their stable by-id links (empty when none are, or when the
 * kernel exposes no /dev/serial — no USB-serial device was ever plugged in since boot).
 */
export function listSerialDeviceLinks(byIdDir = '/dev/serial/by-id'): SerialDeviceLink[] {
  let names: string[];
  try {
    names = readdirSync(byIdDir);
  } catch {
    return [];
  }
  return names.sort().flatMap((name) => {
    const path = join(byIdDir, name);
    try {
      return [{ path, device: resolve(byIdDir, readlinkSync(path)) }];
    } catch {
      return [];
    }
  });
}

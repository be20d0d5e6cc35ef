import { SensorKind, summariseIssues } from '@hearth/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { PairedDevice } from '../../store/hub-state.js';
import type { SensorReading, SensorSource } from '../source.js';
import type { GpioBackend, GpioInput } from './backend.js';
import { type GpioChip, resolveHeaderLine } from './header-lines.js';

/**
 * Settings of a GPIO sensor. A reading's value is `true` when the sensor is active — motion
 * seen, door open, mat pressed, button pressed — after `activeLow` inversion. Pull-ups cannot be
 * set through sysfs: set them in /boot/firmware/config.txt (`gpio=17=ip,pu`); `pull` records what
 * was wired so `hearth diagnose` can remind the technician.
 */
export const GpioSensorSettings = z
  .object({
    /** BCM number of the header pin, as on pinout charts (GPIO17 → 17). */
    pin: z.number().int().min(0).max(27),
    kind: SensorKind.extract(['motion', 'contact', 'pressure', 'button']),
    /** The line reads 0 when the sensor is active (switch to ground with a pull-up). */
    activeLow: z.boolean().default(false),
    /** A level must hold this long before it counts (contact bounce, PIR flutter). */
    debounceMs: z.number().int().min(0).max(5000).default(50),
    pull: z.enum(['up', 'down', 'none']).default('none'),
  })
  .strict();
export type GpioSensorSettings = z.infer<typeof GpioSensorSettings>;

/** Validates a device's settings, with a message naming the bad one. */
export function parseGpioSettings(device: PairedDevice): GpioSensorSettings {
  const { heartbeatSeconds: _heartbeat, ...settings } = device.settings;
  const parsed = GpioSensorSettings.safeParse(settings);
  if (!parsed.success) throw new Error(`GPIO sensor ${device.id}: ${summariseIssues(parsed.error)}`);
  return parsed.data;
}

export interface GpioSourceDeps {
  devices: PairedDevice[];
  backend: GpioBackend;
  clock: Clock;
  log: Logger;
  /** The GPIO controllers (reads sysfs); throws GpioUnavailableError when there is no sysfs GPIO. */
  chips: () => GpioChip[];
}

interface Watched {
  device: PairedDevice;
  settings: GpioSensorSettings;
  input: GpioInput;
  value: boolean | null;
  cancelSettle: () => void;
}

/**
 * The home's wired sensors on the Pi's header. A sensor that cannot be opened or read is
 * reported `availability: false` (and logged with the reason) instead of stopping the others.
 */
export class GpioSource implements SensorSource {
  readonly name = 'gpio';
  private watched: Watched[] = [];
  private emit: ((reading: SensorReading) => void) | null = null;

  constructor(private readonly deps: GpioSourceDeps) {}

  async start(emit: (reading: SensorReading) => void): Promise<void> {
    this.emit = emit;
    if (this.deps.devices.length === 0) return;
    let chips: GpioChip[] = [];
    let chipProblem: string | null = null;
    try {
      chips = this.deps.chips();
    } catch (error) {
      chipProblem = (error as Error).message;
      this.deps.log.error({ reason: chipProblem }, 'GPIO sensors are unavailable');
    }
    for (const device of this.deps.devices) {
      try {
        if (chipProblem) throw new Error(chipProblem);
        const settings = parseGpioSettings(device);
        const line = resolveHeaderLine(settings.pin, chips);
        const input = this.deps.backend.openInput(line);
        const watched: Watched = { device, settings, input, value: null, cancelSettle: () => {} };
        this.watched.push(watched);
        input.watch((error) => (error ? this.fault(watched, error) : this.edge(watched)));
        // Doors and mats have a state worth knowing at once; motion and buttons only matter when they change.
        if (settings.kind === 'contact' || settings.kind === 'pressure') this.settle(watched);
        else watched.value = this.level(watched);
      } catch (error) {
        if (!chipProblem)
          this.deps.log.error(
            { sensorId: device.id, reason: (error as Error).message },
            'GPIO sensor unavailable',
          );
        this.send(device, 'availability', false);
      }
    }
  }

  async stop(): Promise<void> {
    for (const w of this.watched) {
      w.cancelSettle();
      try {
        w.input.close();
      } catch {
        // already released
      }
    }
    this.watched = [];
    this.emit = null;
  }

  private edge(w: Watched): void {
    // Every edge restarts the wait: only a level that stayed put for debounceMs counts.
    w.cancelSettle();
    w.cancelSettle = this.deps.clock.setTimeout(() => this.settle(w), w.settings.debounceMs);
  }

  private settle(w: Watched): void {
    let value: boolean | null;
    try {
      value = this.level(w);
    } catch (error) {
      this.fault(w, error as Error);
      return;
    }
    if (value === null || value === w.value) return;
    w.value = value;
    this.send(w.device, w.settings.kind, value);
  }

  private level(w: Watched): boolean {
    return (w.input.read() === 1) !== w.settings.activeLow;
  }

  private fault(w: Watched, error: Error): void {
    this.deps.log.error({ sensorId: w.device.id, reason: error.message }, 'GPIO sensor failed');
    w.value = null;
    this.send(w.device, 'availability', false);
  }

  private send(device: PairedDevice, kind: SensorReading['kind'], value: boolean): void {
    this.emit?.({
      sensorId: device.id,
      kind,
      value,
      ...(device.room ? { room: device.room } : {}),
      ts: this.deps.clock.now(),
    });
  }
}

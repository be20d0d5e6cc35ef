import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AgentConfig } from '../config/agent-config.js';
import type { HubStateStore, PairedDevice } from '../store/hub-state.js';
import type { AppendOptions, OutboxEntry } from '../store/outbox.js';
import { AvailabilityMonitor } from './availability.js';
import { heartbeatMs, parseDevice } from './devices.js';
import { type GpioBackend, OnoffGpioBackend } from './gpio/backend.js';
import { GpioSource } from './gpio/gpio-source.js';
import { readGpioChips } from './gpio/header-lines.js';
import type { SensorRegistry } from './registry.js';
import { NotedFrames } from './serial-frames.js';
import { SerialSource } from './serial-source.js';
import { SimulatedHome } from './simulated-home.js';
import type { SensorReading, SensorSource } from './source.js';
import { SourceSet } from './source-set.js';

export interface SensorWiringDeps {
  config: AgentConfig;
  /** Where the technician's devices and the serial notes are kept. */
  state: HubStateStore;
  clock: Clock;
  log: Logger;
  registry: SensorRegistry;
  /** Commits a reading; throws when the outbox refused it. */
  record: (reading: SensorReading, options?: AppendOptions) => OutboxEntry | null;
  /** Replaces every configured source (tests). */
  sources?: SensorSource[];
  gpio?: { backend: GpioBackend; sysfsGpio?: string };
  serialSources?: (devices: PairedDevice[]) => SensorSource[];
}

/**
 * Chooses the sensor sources — the simulated home, or the technician's GPIO and serial devices —
 * and wires them through availability tracking and the registry into the collector.
 */
export function buildSensors(deps: SensorWiringDeps) {
  const { config, state, clock, log, registry } = deps;
  const simulatedHome =
    config.simulate && !deps.sources
      ? new SimulatedHome({
          clock,
          speed: config.simSpeed,
          pendantEveryMs: config.simPendantEverySeconds * 1000,
        })
      : null;
  const availability = new AvailabilityMonitor({
    clock,
    emit: (reading) => void record('availability', reading),
    defaultHeartbeatMs: config.defaultHeartbeatSeconds * 1000,
  });
  const record = (source: string, reading: SensorReading, options?: AppendOptions): OutboxEntry | null => {
    registry.seen(reading, source);
    if (source !== 'availability') availability.observe(reading);
    try {
      return deps.record(reading, options);
    } catch (error) {
      log.fatal({ sensorId: reading.sensorId, err: String(error) }, 'the outbox refused a reading');
      // A serial node resends what was not acknowledged; other sources have no second chance.
      throw error;
    }
  };

  const serialSources =
    deps.serialSources ??
    ((devices: PairedDevice[]) =>
      devices.map(
        (d) =>
          new SerialSource({
            path: String(d.settings.path),
            baudRate: Number(d.settings.baudRate ?? 115_200),
            clock,
            log: log.child({ module: 'serial', sensorId: d.id }),
            // The device id is the node's id, so the room applies to every sensor of the node.
            rooms: d.room ? { [d.id]: d.room } : {},
            // Noted next to the readings, so a frame recorded just before a restart is not recorded again.
            delivered: new NotedFrames(state.serialNotes),
          }),
      ));

  const build = (): SensorSource[] => {
    if (deps.sources) return deps.sources;
    if (simulatedHome) {
      for (const sensor of simulatedHome.sensors())
        registry.declare({ ...sensor, source: simulatedHome.name });
      return [simulatedHome];
    }
    const devices = state.devices.list();
    for (const device of devices) {
      registry.declare({
        id: device.id,
        kind: String(device.settings.kind ?? device.type),
        room: device.room,
        source: device.type,
      });
      const beat = heartbeatMs(device);
      if (beat) availability.expect(device.id, beat, device.room);
    }
    const gpio = devices.filter((d) => d.type === 'gpio');
    const serial = devices.filter((d) => d.type === 'serial');
    const sources: SensorSource[] = [];
    if (gpio.length > 0) {
      sources.push(
        new GpioSource({
          devices: gpio,
          backend: deps.gpio?.backend ?? new OnoffGpioBackend(),
          clock,
          log: log.child({ module: 'gpio' }),
          chips: () => readGpioChips(deps.gpio?.sysfsGpio),
        }),
      );
    }
    if (serial.length > 0) sources.push(...serialSources(serial));
    return sources;
  };
  const sourceSet = new SourceSet({ build, record, log: log.child({ module: 'sensors' }) });

  const api = {
    list: () => ({ devices: state.devices.list(), sensors: registry.list() }),
    async add(input: unknown) {
      const device = parseDevice(input, clock.now());
      state.devices.put(device);
      await sourceSet.reload();
      return device;
    },
    async remove(id: string) {
      const removed = state.devices.remove(id);
      if (removed) {
        availability.forget(id);
        registry.forget(id);
        await sourceSet.reload();
      }
      return removed;
    },
  };

  return { simulatedHome, availability, sourceSet, api };
}

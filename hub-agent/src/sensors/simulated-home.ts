import type { SensorKind } from '@hearth/shared';
import type { Clock } from '../clock.js';
import type { OutboxEntry } from '../store/outbox.js';
import type { Emit, SensorReading, SensorSource } from './source.js';

/** A sensor of the simulated home, as `hearth sensors list` shows it. */
export interface SimulatedSensor {
  id: string;
  kind: SensorKind;
  /** Absent for what the senior wears: a pendant is wherever they are. */
  room?: string;
}

export const SIMULATED_SENSORS: readonly SimulatedSensor[] = [
  { id: 'pir-bedroom', kind: 'motion', room: 'bedroom' },
  { id: 'bed-pressure', kind: 'pressure', room: 'bedroom' },
  { id: 'pir-bathroom', kind: 'motion', room: 'bathroom' },
  { id: 'pir-kitchen', kind: 'motion', room: 'kitchen' },
  { id: 'pir-living', kind: 'motion', room: 'living' },
  { id: 'door-front', kind: 'contact', room: 'hall' },
  { id: 'temp-living', kind: 'temperature', room: 'living' },
  { id: 'pendant', kind: 'button' },
];

/** Where the senior is at each time of day (hour, minute → place); `out` means left the home. */
const DAY: ReadonlyArray<readonly [number, number, string]> = [
  [0, 0, 'bed'],
  [3, 10, 'bathroom'],
  [3, 20, 'bed'],
  [7, 0, 'bathroom'],
  [7, 25, 'kitchen'],
  [8, 15, 'living'],
  [12, 0, 'kitchen'],
  [13, 0, 'living'],
  [15, 0, 'out'],
  [16, 10, 'living'],
  [18, 0, 'kitchen'],
  [19, 0, 'living'],
  [21, 30, 'bathroom'],
  [21, 50, 'bed'],
];

const MOTION_SENSOR: Record<string, string> = {
  bed: 'pir-bedroom',
  bathroom: 'pir-bathroom',
  kitchen: 'pir-kitchen',
  living: 'pir-living',
};

const SIM_STEP_MS = 2 * 60_000;

export interface SimulatedHomeOptions {
  /** The hub's clock: timers run on it and readings are stamped with it. */
  clock: Clock;
  /** The simulated day runs this many times faster than the clock (default 1). */
  speed?: number;
  /** Presses the pendant about this often in clock ms (±30 %); 0 or absent never does. */
  pendantEveryMs?: number;
  /** Hour of day (0–23, with fraction) for a simulated instant; defaults to the hub's local time. */
  hourOf?: (ms: number) => number;
  random?: () => number;
}

/**
 * A day in the life of a senior living alone — sleep, a night-time bathroom visit, meals in the
 * kitchen, an afternoon walk, the front door — produced as readings. The demo's pendant presses
 * and the technician's `press()` stand in for a hand on a real button.
 */
export class SimulatedHome implements SensorSource {
  readonly name = 'simulated-home';
  private emit: Emit | null = null;
  private cancelStep: () => void = () => {};
  private cancelPendant: () => void = () => {};
  private startedAt = 0;
  private place: string | null = null;
  private doorOpen = false;

  constructor(private readonly options: SimulatedHomeOptions) {}

  /** The sensors this home has. */
  sensors(): readonly SimulatedSensor[] {
    return SIMULATED_SENSORS;
  }

  async start(emit: Emit): Promise<void> {
    if (this.emit) return;
    this.emit = emit;
    this.startedAt = this.options.clock.now();
    this.step();
    this.schedulePendant();
  }

  async stop(): Promise<void> {
    this.cancelStep();
    this.cancelPendant();
    this.emit = null;
  }

  /**
   * Acts as if someone triggered `sensorId`: the pendant is pressed, a motion sensor sees
   * movement, a contact toggles. Returns what the outbox committed (null when the home is not
   * running). Throws, naming the known sensors, for an id this home lacks.
   */
  press(sensorId: string): OutboxEntry | null {
    const sensor = SIMULATED_SENSORS.find((s) => s.id === sensorId);
    if (!sensor) {
      throw new Error(
        `the simulated home has no sensor '${sensorId}'; known: ${SIMULATED_SENSORS.map((s) => s.id).join(', ')}`,
      );
    }
    let value: SensorReading['value'] = true;
    if (sensor.kind === 'contact') {
      this.doorOpen = !this.doorOpen;
      value = this.doorOpen;
    }
    if (sensor.kind === 'temperature') value = 21;
    return this.send(sensor.id, value);
  }

  /** The simulated instant: the day moves `speed` times faster than the hub's clock. */
  simulatedNow(): number {
    const now = this.options.clock.now();
    return this.startedAt + (now - this.startedAt) * (this.options.speed ?? 1);
  }

  private send(sensorId: string, value: SensorReading['value']): OutboxEntry | null {
    const sensor = SIMULATED_SENSORS.find((s) => s.id === sensorId)!;
    const reading: SensorReading = {
      sensorId,
      kind: sensor.kind,
      value,
      ...(sensor.room ? { room: sensor.room } : {}),
      ts: this.options.clock.now(),
    };
    return this.emit?.(reading) ?? null;
  }

  private step(): void {
    if (!this.emit) return;
    const simNow = this.simulatedNow();
    const place = placeAt(this.hourOf(simNow));
    const random = this.options.random ?? Math.random;
    if (place !== this.place) this.transition(this.place, place);
    // A person moving about trips the room's sensor now and then; a sleeper rarely.
    const motion = MOTION_SENSOR[place];
    if (motion && random() < (place === 'bed' ? 0.05 : 0.6)) this.send(motion, true);
    if (Math.floor(simNow / (15 * 60_000)) !== Math.floor((simNow - SIM_STEP_MS) / (15 * 60_000))) {
      const hour = this.hourOf(simNow);
      const heating = hour >= 6 && hour < 22 ? 21 : 18.5;
      this.send('temp-living', Math.round((heating + (random() - 0.5)) * 10) / 10);
    }
    const delay = SIM_STEP_MS / (this.options.speed ?? 1);
    this.cancelStep = this.options.clock.setTimeout(() => this.step(), delay);
  }

  private transition(from: string | null, to: string): void {
    if (to === 'bed') this.send('bed-pressure', true);
    if (from === 'bed') this.send('bed-pressure', false);
    if (to === 'out' || from === 'out') {
      // Out and back in: the door opens and closes.
      this.send('door-front', true);
      this.send('door-front', false);
      this.doorOpen = false;
    }
    this.place = to;
  }

  private schedulePendant(): void {
    const every = this.options.pendantEveryMs ?? 0;
    if (every <= 0) return;
    const random = this.options.random ?? Math.random;
    const delay = every * (0.7 + random() * 0.6);
    this.cancelPendant = this.options.clock.setTimeout(() => {
      if (!this.emit) return;
      this.press('pendant');
      this.schedulePendant();
    }, delay);
  }

  private hourOf(ms: number): number {
    if (this.options.hourOf) return this.options.hourOf(ms);
    const d = new Date(ms);
    return d.getHours() + d.getMinutes() / 60;
  }
}

/** Where the senior is at `hour` (0–24, fractional). */
export function placeAt(hour: number): string {
  let place = DAY[0]![2];
  for (const [h, m, p] of DAY) if (hour >= h + m / 60) place = p;
  return place;
}

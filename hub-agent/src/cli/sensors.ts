import { chownSync, existsSync, statSync } from 'node:fs';
import { dataPaths } from '../config/paths.js';
import { AgentClient, AgentUnreachable } from '../control/client.js';
import type { SensorStatus } from '../control/status.js';
import { DeviceError, parseDevice } from '../sensors/devices.js';
import type { DevicesTable, PairedDevice } from '../store/hub-state.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { readBootId } from '../time/clock-sync.js';
import { CliError, EXIT, type Output } from './output.js';
import { agentFailure } from './status.js';

/**
 * Runs `change` on the outbox database while the agent is stopped. Files created as root are
 * handed to the data directory's owner, so the agent (user hearth) can still write them.
 */
function offline<T>(dataDir: string, change: (devices: DevicesTable) => T): T {
  const paths = dataPaths(dataDir);
  const store = openSqliteOutbox({ path: paths.outbox, bootId: readBootId() });
  try {
    return change(store.state.devices);
  } finally {
    store.close();
    const owner = statSync(dataDir);
    if (process.getuid?.() === 0 && owner.uid !== 0) {
      for (const suffix of ['', '-wal', '-shm', '.seq']) {
        if (existsSync(paths.outbox + suffix)) chownSync(paths.outbox + suffix, owner.uid, owner.gid);
      }
    }
  }
}

const notRunning = (error: unknown) =>
  error instanceof AgentUnreachable && error.code === 'AGENT_NOT_RUNNING';

/** `hearth sensors list`: configured devices with their live state when the agent runs. */
export async function listSensors(dataDir: string, out: Output): Promise<void> {
  let devices: PairedDevice[];
  let live: SensorStatus[] = [];
  try {
    ({ devices, sensors: live } = await new AgentClient(dataPaths(dataDir).socket).call<{
      devices: PairedDevice[];
      sensors: SensorStatus[];
    }>('GET', '/sensors'));
  } catch (error) {
    if (!notRunning(error)) throw agentFailure(error);
    devices = existsSync(dataPaths(dataDir).outbox) ? offline(dataDir, (devices) => devices.list()) : [];
    out.line('(hearth-agent is not running: showing the configuration only)');
  }
  out.result({ devices, sensors: live });
  if (devices.length === 0 && live.length === 0)
    out.line('No sensors configured. Add one: hearth sensors add ID --type gpio --pin N --kind motion');
  for (const device of devices) {
    const state = live.find((s) => s.id === device.id);
    const availability =
      !state || state.available === null ? 'not heard yet' : state.available ? 'available' : 'UNAVAILABLE';
    out.line(
      `${device.id.padEnd(16)} ${device.type.padEnd(7)} ${(device.room ?? '').padEnd(10)} ${availability.padEnd(14)} ${JSON.stringify(device.settings)}`,
    );
  }
  for (const sensor of live.filter((s) => !devices.some((d) => d.id === s.id))) {
    out.line(
      `${sensor.id.padEnd(16)} ${sensor.source.padEnd(7)} ${(sensor.room ?? '').padEnd(10)} ${sensor.available ? 'available' : 'not heard yet'}`,
    );
  }
}

/** `hearth sensors add`: through the running agent (applies at once) or into the database. */
export async function addSensor(dataDir: string, input: Record<string, unknown>, out: Output): Promise<void> {
  let device: PairedDevice;
  try {
    device = parseDevice(input, Date.now());
  } catch (error) {
    if (error instanceof DeviceError) throw new CliError(error.message, EXIT.USAGE, 'INVALID_DEVICE');
    throw error;
  }
  try {
    device = await new AgentClient(dataPaths(dataDir).socket).call('POST', '/sensors', input);
    out.line(
      `Added ${device.id}; the agent is reading it now. Check it with: hearth sensors test ${device.id}`,
    );
  } catch (error) {
    if (!notRunning(error)) throw agentFailure(error);
    offline(dataDir, (devices) => devices.put(device));
    out.line(`Added ${device.id}; it is read from the next start of hearth-agent.`);
  }
  out.result({ added: device });
}

/** `hearth sensors remove ID`. */
export async function removeSensor(dataDir: string, id: string, out: Output): Promise<void> {
  let removed: boolean;
  try {
    await new AgentClient(dataPaths(dataDir).socket).call('DELETE', `/sensors/${encodeURIComponent(id)}`);
    removed = true;
  } catch (error) {
    if (error instanceof AgentUnreachable && error.status === 404) removed = false;
    else if (notRunning(error))
      removed = existsSync(dataPaths(dataDir).outbox) && offline(dataDir, (devices) => devices.remove(id));
    else throw agentFailure(error);
  }
  if (!removed)
    throw new CliError(`no sensor '${id}' is configured; see hearth sensors list`, EXIT.FAILED, 'NOT_FOUND');
  out.result({ removed: id });
  out.line(`Removed ${id}.`);
}

/** `hearth sensors test ID`: waits for the technician to trigger the sensor and shows what arrived. */
export async function testSensor(
  dataDir: string,
  id: string,
  timeoutSeconds: number,
  out: Output,
): Promise<void> {
  const client = new AgentClient(dataPaths(dataDir).socket);
  let known: { devices: PairedDevice[]; sensors: SensorStatus[] };
  try {
    known = await client.call('GET', '/sensors');
  } catch (error) {
    throw agentFailure(error);
  }
  if (!known.devices.some((d) => d.id === id) && !known.sensors.some((s) => s.id === id)) {
    throw new CliError(`no sensor '${id}' is configured; see hearth sensors list`, EXIT.FAILED, 'NOT_FOUND');
  }
  out.line(
    `Watching ${id} for ${timeoutSeconds} s — trigger it now (walk past, open the door, press the button).`,
  );
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutSeconds * 1000);
  let heard: Record<string, unknown> | null = null;
  await client.stream(
    `/events?sensor=${encodeURIComponent(id)}`,
    (entry) => {
      // A device saying it is alive is not the technician's trigger.
      if (entry.kind === 'availability' || entry.kind === 'heartbeat') return;
      heard = entry;
      controller.abort();
    },
    controller.signal,
  );
  clearTimeout(timer);
  if (!heard) {
    const failure = new CliError(
      `nothing from ${id} in ${timeoutSeconds} s: check its wiring, pin and power, then run hearth diagnose`,
      EXIT.CHECK_FAILED,
      'NO_READING',
    );
    throw failure;
  }
  const entry = heard as { seq: number; kind: string; value: unknown };
  out.result({ sensorId: id, confirmed: true, reading: entry });
  out.line(`Confirmed: ${id} reported ${entry.kind} = ${JSON.stringify(entry.value)} (event ${entry.seq}).`);
}

import {
  type DecodedFrame,
  encodeFrame,
  FrameParser,
  type HelloMessage,
  type NodeMessage,
} from '@hearth/firmware-bridge';
import pino from 'pino';
import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../clock.js';
import { SerialSource, SerialSourceConfigError, type SerialSourceOptions } from './serial-source.js';
import type { SensorReading } from './source.js';

const PATH = '/dev/serial/by-id/usb-hearth-node-if00';
// serialport carries its own copy of binding-mock; the ports it opens live in that copy's registry.
const MockBinding = SerialPortMock.binding;

const hello: HelloMessage = {
  type: 'hello',
  nodeId: 'hall',
  firmwareVersion: '1.0.0',
  bootId: 42,
  uptimeMs: 10_000,
  heartbeatIntervalMs: 5_000,
  sensors: [
    { name: 'temp', kind: 'temperature' },
    { name: 'door', kind: 'contact' },
  ],
};

function setup(overrides: Partial<SerialSourceOptions> = {}) {
  const clock = new FakeClock();
  const ports: SerialPortMock[] = [];
  const readings: SensorReading[] = [];
  const source = new SerialSource({
    path: PATH,
    clock,
    random: () => 0.5,
    rooms: { hall: 'hall', 'hall/temp': 'living' },
    openPort: (o) => {
      const port = new SerialPortMock({ ...o, autoOpen: false });
      ports.push(port);
      return port;
    },
    ...overrides,
  });
  const current = () => ports.at(-1)!;
  /** Frames the hub wrote on the current port. */
  const written = (): DecodedFrame[] => {
    const parser = new FrameParser();
    const frames: DecodedFrame[] = [];
    parser.on('data', (f: DecodedFrame) => frames.push(f));
    parser.write(current().port!.recording);
    return frames;
  };
  const acks = () => written().flatMap((f) => (f.message.type === 'ack' ? [f.message.ackSeq] : []));
  /** Writes a node frame and waits until the hub has acked it (or, for a heartbeat, handled it). */
  const send = async (seq: number, message: NodeMessage) => {
    const before = acks().filter((a) => a === seq).length;
    current().port!.emitData(encodeFrame({ seq, message }));
    if (message.type === 'heartbeat') await new Promise((resolve) => setTimeout(resolve, 20));
    else
      await vi.waitFor(() => expect(acks().filter((a) => a === seq).length).toBe(before + 1), {
        timeout: 1000,
      });
  };
  const open = () => vi.waitFor(() => expect(source.status().connected).toBe(true), { timeout: 5000 });
  return {
    clock,
    source,
    readings,
    ports,
    current,
    written,
    acks,
    send,
    open,
    emit: (r: SensorReading) => readings.push(r),
  };
}

/** Waits for an asynchronous outcome; generous, since CI runs suites side by side on two cores. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000 });

const of = (readings: SensorReading[], kind: string) => readings.filter((r) => r.kind === kind);

describe('SerialSource', () => {
  beforeEach(() => MockBinding.createPort(PATH, { echo: false, record: true }));
  afterEach(() => MockBinding.reset());

  it('refuses a relative device path with a message naming the fix', async () => {
    const { source, emit } = setup({ path: 'ttyUSB0' });
    await expect(source.start(emit)).rejects.toBeInstanceOf(SerialSourceConfigError);
    await expect(source.start(emit)).rejects.toThrow(/by-id/);
  });

  it('turns node readings into hub readings named <node>/<sensor>, and acks them', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await eventually(() => expect(t.written().map((f) => f.message.type)).toEqual(['sync']));
    await t.send(0, hello);
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 21.5 });
    await t.send(2, { type: 'event', sensor: 1, uptimeMs: 10_000, active: true });
    const now = t.clock.now();
    expect(of(t.readings, 'availability')).toEqual([
      { sensorId: 'hall/temp', kind: 'availability', value: true, room: 'living', ts: now },
      { sensorId: 'hall/door', kind: 'availability', value: true, room: 'hall', ts: now },
    ]);
    expect(t.readings.filter((r) => r.kind !== 'availability')).toEqual([
      { sensorId: 'hall/temp', kind: 'temperature', value: 21.5, room: 'living', ts: now },
      { sensorId: 'hall/door', kind: 'contact', value: true, room: 'hall', ts: now },
    ]);
    expect(t.acks()).toEqual([0, 1, 2]);
    expect(t.source.status().node).toMatchObject({
      nodeId: 'hall',
      available: true,
      sensorIds: ['hall/temp', 'hall/door'],
    });
    await t.source.stop();
  });

  it('records a resent reading once but acknowledges it again', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello);
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 20 });
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 20 });
    await eventually(() => expect(t.acks()).toEqual([0, 1, 1]));
    expect(of(t.readings, 'temperature')).toHaveLength(1);
    expect(t.source.status().link.duplicates).toBe(1);
    await t.source.stop();
  });

  it('dates a reading the node resent late by when it was measured', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello); // node uptime 10 s at hub time T
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 7_000, value: 19 });
    await t.send(2, { type: 'reading', sensor: 0, uptimeMs: 0xffffffff, value: 18 }); // before a wrap: ~0 s
    const now = t.clock.now();
    expect(of(t.readings, 'temperature').map((r) => r.ts)).toEqual([now - 3_000, now - 10_001]);
    await t.source.stop();
  });

  it('leaves a reading unacked when the hub could not record it, and takes the resend', async () => {
    const t = setup();
    let full = false;
    await t.source.start((r) => {
      if (full && r.kind === 'temperature') throw new Error('disk full');
      t.readings.push(r);
    });
    await t.open();
    await t.send(0, hello);
    full = true;
    t.current().port!.emitData(
      encodeFrame({ seq: 1, message: { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 17 } }),
    );
    await eventually(() => expect(t.source.status().link.handlerFailures).toBe(1));
    expect(t.acks()).toEqual([0]);
    full = false;
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 17 });
    expect(of(t.readings, 'temperature').map((r) => r.value)).toEqual([17]);
    expect(t.acks()).toEqual([0, 1]);
    await t.source.stop();
  });

  it('reports the sensors unavailable after three missed heartbeats, and available when heard again', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello);
    t.clock.advance(14_999);
    expect(of(t.readings, 'availability').map((r) => r.value)).toEqual([true, true]);
    t.clock.advance(1);
    expect(of(t.readings, 'availability').map((r) => [r.sensorId, r.value])).toEqual([
      ['hall/temp', true],
      ['hall/door', true],
      ['hall/temp', false],
      ['hall/door', false],
    ]);
    await t.send(0, { type: 'heartbeat', uptimeMs: 30_000, pending: 0, dropped: 0 });
    await eventually(() => expect(of(t.readings, 'availability')).toHaveLength(6));
    expect(
      of(t.readings, 'availability')
        .slice(4)
        .map((r) => r.value),
    ).toEqual([true, true]);
    await t.source.stop();
  });

  it('acks and drops a frame for a sensor the node never announced', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello);
    await t.send(1, { type: 'reading', sensor: 7, uptimeMs: 10_000, value: 1 });
    expect(t.acks()).toEqual([0, 1]);
    expect(t.readings.filter((r) => r.kind !== 'availability')).toEqual([]);
    expect(t.source.status().node?.unknownSensorFrames).toBe(1);
    await t.source.stop();
  });

  it('keeps trying, with growing waits, to open a device that is not there yet', async () => {
    MockBinding.reset();
    const t = setup({ reconnectInitialMs: 100, reconnectMaxMs: 400 });
    await t.source.start(t.emit);
    await eventually(() => expect(t.source.status().lastError).toMatch(/does not exist.*not plugged in/));
    expect(t.source.status().connected).toBe(false);
    for (const wait of [100, 200, 400, 400]) {
      const attempts = t.ports.length;
      t.clock.advance(wait - 1);
      expect(t.ports.length).toBe(attempts);
      t.clock.advance(1);
      expect(t.ports.length).toBe(attempts + 1);
      await eventually(() => expect(t.clock.pendingTimers()).toBe(1));
    }
    MockBinding.createPort(PATH, { echo: false, record: true });
    t.clock.advance(400);
    await t.open();
    await eventually(() => expect(t.written().map((f) => f.message.type)).toEqual(['sync']));
    await t.source.stop();
  });

  it('reports the node unavailable when its device is unplugged and resumes when it returns, without duplicates', async () => {
    const t = setup({ reconnectInitialMs: 100 });
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello);
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 21 });
    MockBinding.reset();
    t.current().close(undefined, Object.assign(new Error('device unplugged'), { disconnected: true }));
    await eventually(() => expect(t.source.status().connected).toBe(false));
    expect(of(t.readings, 'availability').map((r) => r.value)).toEqual([true, true, false, false]);
    MockBinding.createPort(PATH, { echo: false, record: true });
    t.clock.advance(120);
    await t.open();
    await t.send(2, hello); // answering the new sync: same boot, next number
    await t.send(1, { type: 'reading', sensor: 0, uptimeMs: 10_000, value: 21 }); // its ack was lost in the unplug
    await t.send(3, { type: 'reading', sensor: 0, uptimeMs: 11_000, value: 22 });
    expect(of(t.readings, 'temperature').map((r) => r.value)).toEqual([21, 22]);
    expect(of(t.readings, 'availability').map((r) => r.value)).toEqual([
      true,
      true,
      false,
      false,
      true,
      true,
    ]);
    expect(t.acks()).toEqual([2, 1, 3]);
    expect(t.source.status().reconnects).toBe(1);
    await t.source.stop();
  });

  it('warns, naming the likely causes, when nothing on the line introduces itself', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const t = setup({ log, helloTimeoutMs: 10_000 });
    await t.source.start(t.emit);
    await t.open();
    t.current().port!.emitData(Buffer.from('\x00garbage at the wrong baud rate\x00', 'latin1'));
    await eventually(() => expect(t.source.status().link.frameErrors).toBe(1));
    t.clock.advance(10_000);
    const warning = lines.map((l) => JSON.parse(l) as { msg: string; unreadableFrames: number }).at(-1);
    expect(warning?.msg).toMatch(/no sensor node introduced itself.*Hearth node firmware at 115200 baud/);
    expect(warning?.unreadableFrames).toBe(1);
    await t.source.stop();
  });

  it('reports the old node unavailable when another node appears on the same line', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello);
    await t.send(0, { ...hello, nodeId: 'kitchen', bootId: 9, sensors: [{ name: 'pir', kind: 'motion' }] });
    expect(of(t.readings, 'availability').map((r) => [r.sensorId, r.value])).toEqual([
      ['hall/temp', true],
      ['hall/door', true],
      ['hall/temp', false],
      ['hall/door', false],
      ['kitchen/pir', true],
    ]);
    await t.source.stop();
  });

  it('stops cleanly: port closed, no timers left, safe to call twice', async () => {
    const t = setup();
    await t.source.start(t.emit);
    await t.open();
    await t.send(0, hello);
    await t.source.stop();
    await t.source.stop();
    expect(t.current().isOpen).toBe(false);
    expect(t.clock.pendingTimers()).toBe(0);
    expect(of(t.readings, 'availability').map((r) => r.value)).toEqual([true, true]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DecodedFrame,
  encodeFrame,
  FrameParser,
  type HelloMessage,
  type NodeMessage,
} from '@hearth/firmware-bridge';
import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../clock.js';
import type { OutboxStore } from '../store/outbox.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { NotedFrames } from './serial-frames.js';
import { SerialSource } from './serial-source.js';

const PATH = '/dev/serial/by-id/usb-hearth-restart-if00';
const MockBinding = SerialPortMock.binding;

const hello: HelloMessage = {
  type: 'hello',
  nodeId: 'hall',
  firmwareVersion: '1.0.0',
  bootId: 42,
  uptimeMs: 10_000,
  heartbeatIntervalMs: 5_000,
  sensors: [{ name: 'temp', kind: 'temperature' }],
};
const reading = (value: number): NodeMessage => ({ type: 'reading', sensor: 0, uptimeMs: 10_000, value });

/** One run of the hub process: the outbox opened from disk and a serial source recording into it. */
async function hubProcess(dbPath: string) {
  MockBinding.reset();
  MockBinding.createPort(PATH, { echo: false, record: true });
  const clock = new FakeClock();
  const store = openSqliteOutbox({ path: dbPath, bootId: 'hub-boot' });
  let port: SerialPortMock | undefined;
  const source = new SerialSource({
    path: PATH,
    clock,
    delivered: new NotedFrames(store.state.serialNotes),
    openPort: (o) => {
      port = new SerialPortMock({ ...o, autoOpen: false });
      return port;
    },
  });
  // What the agent's record does: commit, and throw when the outbox refuses.
  await source.start((r, options) => store.append([{ ...r }], options));
  await vi.waitFor(() => expect(source.status().connected).toBe(true), { timeout: 5000 });
  const acks = () => {
    const parser = new FrameParser();
    const out: number[] = [];
    parser.on('data', (f: DecodedFrame) => f.message.type === 'ack' && out.push(f.message.ackSeq));
    parser.write(port!.port!.recording);
    return out;
  };
  /** The node writes a frame and waits for the hub's ack. */
  const send = async (seq: number, message: NodeMessage) => {
    port!.port!.emitData(encodeFrame({ seq, message }));
    await vi.waitFor(() => expect(acks()).toContain(seq), { timeout: 2000 });
  };
  const temperatures = () =>
    store
      .pending(100, 0)
      .filter((e) => e.kind === 'temperature')
      .map((e) => e.value);
  const exit = async () => {
    await source.stop();
    store.close();
  };
  return { store, source, send, acks, temperatures, exit };
}

describe('serial frames recorded before a hub restart', () => {
  let dir: string;
  let dbPath: string;
  let running: { exit(): Promise<void>; store: OutboxStore } | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-serial-restart-'));
    dbPath = join(dir, 'outbox.db');
  });
  afterEach(async () => {
    await running?.exit();
    running = undefined;
    MockBinding.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are acked but not recorded again when the node resends them to the restarted hub', async () => {
    const first = await hubProcess(dbPath);
    running = first;
    await first.send(0, hello);
    await first.send(1, reading(21.5));
    expect(first.temperatures()).toEqual([21.5]);
    // The hub stops before the node heard the ack of frame 1: the node still holds it.
    await first.exit();

    const second = await hubProcess(dbPath);
    running = second;
    await second.send(2, hello); // the node answers the new hub's sync with a fresh hello, same boot
    await second.send(1, reading(21.5)); // and resends what was never acked
    await second.send(3, reading(22));
    expect(second.acks()).toEqual([2, 1, 3]);
    expect(second.temperatures()).toEqual([21.5, 22]);
    expect(second.source.status().link).toMatchObject({ duplicates: 1, delivered: 2 });
  });

  it('records the frames of a node that restarted since, though they reuse the same numbers', async () => {
    const first = await hubProcess(dbPath);
    running = first;
    await first.send(0, hello);
    await first.send(1, reading(21.5));
    await first.exit();

    const second = await hubProcess(dbPath);
    running = second;
    await second.send(0, { ...hello, bootId: 43 });
    await second.send(1, reading(19));
    expect(second.temperatures()).toEqual([21.5, 19]);
  });

  it('ignores a damaged note, so the node is heard rather than silenced', async () => {
    const first = await hubProcess(dbPath);
    running = first;
    first.store.state.serialNotes.put('hall', { bootId: 42, seqs: ['x'] as unknown as number[] });
    await first.exit();

    const second = await hubProcess(dbPath);
    running = second;
    await second.send(0, hello);
    await second.send(1, reading(20));
    expect(second.temperatures()).toEqual([20]);
  });
});

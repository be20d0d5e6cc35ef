import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DecodedFrame,
  encodeFrame,
  FrameParser,
  type HelloMessage,
  type NodeMessage,
} from '@hearth/firmware-bridge';
import { hostToolAvailable, SocatPtyPair } from '@hearth/firmware-bridge/simulator';
import { SerialPort } from 'serialport';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openSqliteOutbox } from '../src/store/sqlite-outbox.js';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';

if (!hostToolAvailable('socat')) {
  if (process.env.CI === 'true')
    throw new Error('the agent serial restart test cannot run: socat not installed; CI=true requires it');
  console.warn(
    '\n*** SKIPPING the agent serial restart test: socat not installed (apt-get install socat) ***\n',
  );
}

const hello: HelloMessage = {
  type: 'hello',
  nodeId: 'hall',
  firmwareVersion: '1.0.0',
  bootId: 42,
  uptimeMs: 10_000,
  heartbeatIntervalMs: 60_000,
  sensors: [{ name: 'temp', kind: 'temperature' }],
};
const reading = (value: number): NodeMessage => ({ type: 'reading', sensor: 0, uptimeMs: 10_000, value });

/** The sensor node's end of the line, driven by hand so the test decides which acks it "hears". */
async function openNode(path: string) {
  const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const parser = new FrameParser();
  const fromHub: DecodedFrame[] = [];
  parser.on('data', (frame: DecodedFrame) => fromHub.push(frame));
  port.pipe(parser);
  const acked = () => fromHub.flatMap((f) => (f.message.type === 'ack' ? [f.message.ackSeq] : []));
  return {
    acked,
    waitForSync: () =>
      vi.waitFor(() => expect(fromHub.some((f) => f.message.type === 'sync')).toBe(true), {
        timeout: 20_000,
        interval: 50,
      }),
    /** Writes a frame once, without waiting for the ack. */
    write(seq: number, message: NodeMessage) {
      port.write(Buffer.concat([Buffer.of(0), encodeFrame({ seq, message })]));
    },
    /** Sends a frame (again, until acked, as the firmware does) and resolves once the hub acked it. */
    async send(seq: number, message: NodeMessage) {
      const before = acked().filter((a) => a === seq).length;
      await vi.waitFor(
        () => {
          if (acked().filter((a) => a === seq).length > before) return;
          port.write(Buffer.concat([Buffer.of(0), encodeFrame({ seq, message })]));
          throw new Error(`frame ${seq} not acked yet`);
        },
        { timeout: 10_000, interval: 300 },
      );
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'hearth-serial-restart-'));
let agent: AgentProcess | null = null;
let pair: SocatPtyPair | null = null;
let node: Awaited<ReturnType<typeof openNode>> | null = null;
let pair2: SocatPtyPair | null = null;
let node2: Awaited<ReturnType<typeof openNode>> | null = null;

/** The temperatures the outbox holds for the hall node, in commit order. */
function recordedTemperatures(dataDir: string): unknown[] {
  const store = openSqliteOutbox({ path: join(dataDir, 'outbox.db'), bootId: 'test' });
  try {
    return store
      .pending(1000, 0)
      .filter((e) => e.sensorId === 'hall/temp' && e.kind === 'temperature')
      .map((e) => e.value);
  } finally {
    store.close();
  }
}
afterAll(async () => {
  await node?.close();
  await agent?.kill();
  await pair?.stop();
  await node2?.close();
  await pair2?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hostToolAvailable('socat'))(
  'hearth-agent restarted while a serial node waits for an ack',
  () => {
    it('acks the frame the node resends without recording it a second time', async () => {
      const dataDir = join(dir, 'hub');
      pair = new SocatPtyPair(dir);
      await pair.start();
      node = await openNode(pair.nodePath);
      agent = startAgent(['--data-dir', dataDir]);
      await agent.waitFor((e) => e.msg === 'hearth-agent ready');
      const added = await hearth([
        'sensors',
        'add',
        'hall',
        '--type',
        'serial',
        '--path',
        pair.hubPath,
        '--data-dir',
        dataDir,
      ]);
      expect(added.code, added.stderr + added.stdout).toBe(0);

      await node.waitForSync();
      await node.send(0, hello);
      await node.send(1, reading(21.5)); // recorded and acked, but the node will not have heard that ack
      expect(await agent.stop()).toBe(0);

      agent = startAgent(['--data-dir', dataDir]);
      await agent.waitFor((e) => e.msg === 'hearth-agent ready');
      await node.send(2, hello); // the node introduces itself to the new hub process: same boot
      await node.send(1, reading(21.5)); // and resends the frame it holds unacked
      await node.send(3, reading(22));
      expect(await agent.stop()).toBe(0);

      const store = openSqliteOutbox({ path: join(dataDir, 'outbox.db'), bootId: 'test' });
      try {
        const temperatures = store
          .pending(1000, 0)
          .filter((e) => e.sensorId === 'hall/temp' && e.kind === 'temperature');
        expect(temperatures.map((e) => e.value)).toEqual([21.5, 22]);
      } finally {
        store.close();
      }
    }, 90_000);

    it('records a resent frame once even when the hub died the instant after committing it', async () => {
      const dataDir = join(dir, 'hub-killed');
      mkdirSync(join(dir, 'second'));
      pair2 = new SocatPtyPair(join(dir, 'second'));
      await pair2.start();
      node2 = await openNode(pair2.nodePath);
      let hub = startAgent(['--data-dir', dataDir]);
      agent = hub;
      await hub.waitFor((e) => e.msg === 'hearth-agent ready');
      const added = await hearth([
        'sensors',
        'add',
        'hall',
        '--type',
        'serial',
        '--path',
        pair2.hubPath,
        '--data-dir',
        dataDir,
      ]);
      expect(added.code, added.stderr + added.stdout).toBe(0);
      await node2.waitForSync();
      await node2.send(0, hello);
      expect(await hub.stop()).toBe(0);

      // The fault hook kills the agent (SIGKILL) right after the reading's commit, before its ack.
      hub = startAgent(['--data-dir', dataDir], { HEARTH_FAULT: 'serial.after-commit' });
      agent = hub;
      await hub.waitFor((e) => e.msg === 'hearth-agent ready');
      await node2.send(2, hello);
      node2.write(1, reading(21.5));
      expect(await hub.exited).toBeNull();
      expect(hub.child.signalCode).toBe('SIGKILL');
      expect(node2.acked()).not.toContain(1);
      expect(recordedTemperatures(dataDir)).toEqual([21.5]);

      hub = startAgent(['--data-dir', dataDir]);
      agent = hub;
      await hub.waitFor((e) => e.msg === 'hearth-agent ready');
      await node2.send(3, hello); // same boot of the node
      await node2.send(1, reading(21.5)); // the frame it never heard acked
      await node2.send(4, reading(22));
      expect(await hub.stop()).toBe(0);
      expect(recordedTemperatures(dataDir)).toEqual([21.5, 22]);
    }, 120_000);
  },
);

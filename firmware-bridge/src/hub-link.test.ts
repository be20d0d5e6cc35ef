import type { Duplex } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { duplexPair } from '../test/duplex-pair.js';
import { DuplicateFilter } from './duplicates.js';
import type { FrameError } from './errors.js';
import { type DecodedFrame, encodeFrame } from './frame.js';
import { type Delivery, HubLink, type HubLinkOptions } from './hub-link.js';
import type { HelloMessage, NodeMessage } from './messages.js';
import { FrameParser } from './parser.js';

const hello = (bootId = 1): HelloMessage => ({
  type: 'hello',
  nodeId: 'hall',
  firmwareVersion: '1.0.0',
  bootId,
  uptimeMs: 10,
  heartbeatIntervalMs: 5000,
  sensors: [
    { name: 'temp', kind: 'temperature' },
    { name: 'door', kind: 'contact' },
  ],
});
const reading = (value: number): NodeMessage => ({ type: 'reading', sensor: 0, uptimeMs: 20, value });

/** The node's end of the cable: writes frames, records what the hub answers. */
class TestNode {
  readonly received: DecodedFrame[] = [];
  constructor(readonly stream: Duplex) {
    const parser = new FrameParser();
    parser.on('data', (f: DecodedFrame) => this.received.push(f));
    stream.pipe(parser);
  }
  send(seq: number, message: NodeMessage): void {
    this.stream.write(encodeFrame({ seq, message }));
  }
  acks(): number[] {
    return this.received.flatMap((f) => (f.message.type === 'ack' ? [f.message.ackSeq] : []));
  }
  syncs(): number {
    return this.received.filter((f) => f.message.type === 'sync').length;
  }
}

function setup(overrides: Partial<HubLinkOptions> = {}) {
  const [hubEnd, nodeEnd] = duplexPair();
  const deliveries: Delivery[] = [];
  const errors: FrameError[] = [];
  let now = 0;
  const link = new HubLink({
    stream: hubEnd,
    onMessage: (d) => deliveries.push(d),
    onFrameError: (e) => errors.push(e),
    now: () => now,
    ...overrides,
  });
  link.start();
  return {
    link,
    node: new TestNode(nodeEnd),
    deliveries,
    errors,
    hubEnd,
    advance: (ms: number) => (now += ms),
  };
}

const values = (ds: Delivery[]) => ds.flatMap((d) => (d.message.type === 'reading' ? [d.message.value] : []));

describe('HubLink', () => {
  it('asks an unknown node for its hello as soon as it starts', async () => {
    const { node } = setup();
    await tick();
    expect(node.syncs()).toBe(1);
  });

  it('acknowledges the hello and every reading, delivering each once', async () => {
    const { node, deliveries, link } = setup();
    node.send(0, hello());
    node.send(1, reading(21.5));
    node.send(2, reading(22));
    await tick();
    expect(deliveries.map((d) => d.message.type)).toEqual(['hello', 'reading', 'reading']);
    expect(deliveries[0]!.newBoot).toBe(true);
    expect(deliveries[1]!.node.nodeId).toBe('hall');
    expect(node.acks()).toEqual([0, 1, 2]);
    expect(link.node?.nodeId).toBe('hall');
  });

  it('drops a resent reading but acknowledges it again, since the first ack was lost', async () => {
    const { node, deliveries, link } = setup();
    node.send(0, hello());
    node.send(1, reading(21.5));
    node.send(1, reading(21.5));
    node.send(2, reading(19));
    await tick();
    expect(values(deliveries)).toEqual([21.5, 19]);
    expect(node.acks()).toEqual([0, 1, 1, 2]);
    expect(link.stats.duplicates).toBe(1);
  });

  it('leaves frames from a node that has not said hello unacked and asks again, at most once a second', async () => {
    const { node, deliveries, link, advance } = setup();
    node.send(5, reading(1));
    node.send(6, reading(2));
    await tick();
    expect(deliveries).toEqual([]);
    expect(node.acks()).toEqual([]);
    expect(node.syncs()).toBe(1);
    advance(1000);
    node.send(5, reading(1));
    await tick();
    expect(node.syncs()).toBe(2);
    node.send(7, hello());
    node.send(5, reading(1));
    node.send(6, reading(2));
    await tick();
    expect(values(deliveries)).toEqual([1, 2]);
    expect(link.stats.beforeHello).toBe(3);
  });

  it('delivers heartbeats without acknowledging them', async () => {
    const { node, deliveries } = setup();
    node.send(0, hello());
    node.send(1, { type: 'heartbeat', uptimeMs: 5000, pending: 0, dropped: 0 });
    node.send(1, { type: 'heartbeat', uptimeMs: 10000, pending: 0, dropped: 0 });
    await tick();
    expect(deliveries.filter((d) => d.message.type === 'heartbeat')).toHaveLength(2);
    expect(node.acks()).toEqual([0]);
  });

  it('does not acknowledge a reading the hub failed to keep, and takes it when resent', async () => {
    let fail = true;
    const kept: Delivery[] = [];
    const { node, link } = setup({
      onMessage: (d) => {
        if (d.message.type === 'reading' && fail) throw new Error('disk full');
        kept.push(d);
      },
    });
    node.send(0, hello());
    node.send(1, reading(3));
    await tick();
    expect(node.acks()).toEqual([0]);
    expect(link.stats.handlerFailures).toBe(1);
    fail = false;
    node.send(1, reading(3));
    await tick();
    expect(values(kept)).toEqual([3]);
    expect(node.acks()).toEqual([0, 1]);
  });

  it('accepts sequence numbers again after the node restarts with a new boot id', async () => {
    const { node, deliveries } = setup();
    node.send(0, hello(1));
    node.send(1, reading(1));
    node.send(0, hello(2));
    node.send(1, reading(2));
    await tick();
    expect(values(deliveries)).toEqual([1, 2]);
    expect(deliveries.filter((d) => d.newBoot).length).toBe(2);
  });

  it('does not deliver again across a reconnect when the filter is shared', async () => {
    const duplicates = new DuplicateFilter();
    const first = setup({ duplicates });
    first.node.send(0, hello());
    first.node.send(1, reading(1));
    await tick();
    first.link.stop();
    const second = setup({ duplicates });
    second.node.send(2, hello()); // answer to the new link's sync: same boot, next seq
    second.node.send(1, reading(1)); // its ack was lost with the old cable
    second.node.send(3, reading(2));
    await tick();
    expect(values(first.deliveries)).toEqual([1]);
    expect(values(second.deliveries)).toEqual([2]);
    expect(second.deliveries[0]!.newBoot).toBe(false);
    expect(second.node.acks()).toEqual([2, 1, 3]);
  });

  it('reports a corrupted frame and carries on', async () => {
    const { node, deliveries, errors, link } = setup();
    node.send(0, hello());
    const bad = encodeFrame({ seq: 1, message: reading(5) });
    bad[bad.length - 2]! ^= 0x01;
    node.stream.write(bad);
    node.send(2, reading(6));
    await tick();
    expect(values(deliveries)).toEqual([6]);
    expect(errors.map((e) => e.code)).toEqual(['CRC_MISMATCH']);
    expect(link.stats.frameErrors).toBe(1);
  });

  it('leaves the stream open when stopped and ignores what arrives afterwards', async () => {
    const { node, deliveries, link, hubEnd } = setup();
    link.stop();
    link.stop();
    node.send(0, hello());
    await tick();
    expect(deliveries).toEqual([]);
    expect(hubEnd.destroyed).toBe(false);
  });
});

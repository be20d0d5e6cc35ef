import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlitePersistence } from './sqlite-persistence.js';

// What aedes-persistence's abstract suite does not ask: ids that share a prefix, topics beyond
// ASCII, and everything still there when another instance opens the same file.
const dir = mkdtempSync(join(tmpdir(), 'hearth-broker-extra-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const broker = { id: 'hub-broker-1', counter: 0 };

async function open(path = join(dir, `extra-${++n}.db`)) {
  const p = new SqlitePersistence({ path });
  await p.setup(broker);
  return { p, path };
}
async function all<T>(stream: Readable): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item as T);
  return out;
}
const publish = (topic: string, payload = 'x', extra: object = {}) => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos: 1,
  retain: false,
  dup: false,
  brokerId: broker.id,
  brokerCounter: 7,
  ...extra,
});

describe('SQLite aedes persistence beyond the abstract suite', () => {
  it('keeps apart clients whose ids share a prefix', async () => {
    const { p } = await open();
    const long = { id: 'abcde' };
    const short = { id: 'abc' };
    await p.addSubscriptions(long, [{ topic: 'hearth/robot/abcde/cmd', qos: 1 }]);
    await p.outgoingEnqueue({ clientId: long.id }, publish('hearth/robot/abcde/cmd'));
    await p.incomingStorePacket(long, { ...publish('t'), messageId: 5 });
    await p.putWill(long, { topic: 'hearth/robot/abcde/status', payload: Buffer.from('offline') });

    expect(await p.subscriptionsByClient(short)).toEqual([]);
    expect(await all(p.outgoingStream(short))).toEqual([]);
    expect(await p.getWill(short)).toBeUndefined();
    await expect(p.incomingGetPacket(short, { messageId: 5 })).rejects.toThrow('no such packet');
    await p.cleanSubscriptions(short);
    await p.cleanIncoming(short);
    await p.delWill(short);
    expect(await p.outgoingClearMessageId(short, { messageId: undefined })).toBeUndefined();

    expect(await p.subscriptionsByClient(long)).toHaveLength(1);
    expect(await all(p.outgoingStream(long))).toHaveLength(1);
    expect((await p.getWill(long))?.topic).toBe('hearth/robot/abcde/status');
    expect((await p.incomingGetPacket(long, { messageId: 5 })).topic).toBe('t');
    expect(await p.countOffline()).toEqual({ subsCount: 1, clientsCount: 1 });
    await p.destroy();
  });

  it('stores and matches topics beyond ASCII', async () => {
    const { p } = await open();
    const topics = ['maison/salle-de-bain/température', '家/台所/温度', 'home/🛁/status'];
    for (const topic of topics) await p.storeRetained({ ...publish(topic, topic), retain: true });
    const matched = await all<{ topic: string; payload: Buffer }>(
      p.createRetainedStream('maison/+/température'),
    );
    expect(matched.map((m) => m.payload.toString())).toEqual(['maison/salle-de-bain/température']);
    expect(await all(p.createRetainedStream('#'))).toHaveLength(3);
    await p.addSubscriptions({ id: 'ロボット' }, [{ topic: '家/+/温度', qos: 1 }]);
    expect((await p.subscriptionsByTopic('家/台所/温度')).map((s) => s.clientId)).toEqual(['ロボット']);
    expect(await p.subscriptionsByTopic('家/台所/湿度')).toEqual([]);
    await p.destroy();
  });

  it('gives a second instance on the same file everything the first stored', async () => {
    const { p, path } = await open();
    await p.storeRetained({ ...publish('hearth/robot/r1/status', '{"state":"online"}'), retain: true });
    await p.addSubscriptions({ id: 'r1' }, [
      { topic: 'hearth/robot/r1/cmd', qos: 1 },
      { topic: 'hearth/robot/r1/other', qos: 0 },
    ]);
    await p.outgoingEnqueue(
      { clientId: 'r1' },
      publish('hearth/robot/r1/cmd', 'check', { brokerCounter: 41 }),
    );
    await p.putWill({ id: 'r1' }, { topic: 'hearth/robot/r1/status', payload: Buffer.from('offline') });
    // No destroy(): the first instance is simply abandoned, as a killed process would leave it.
    const again = new SqlitePersistence({ path });
    const restarted = { id: broker.id, counter: 0 };
    await again.setup(restarted);
    const retained = await all<{ payload: Buffer }>(again.createRetainedStream('hearth/robot/+/status'));
    expect(retained.map((r) => r.payload.toString())).toEqual(['{"state":"online"}']);
    expect((await again.subscriptionsByTopic('hearth/robot/r1/cmd')).map((s) => s.clientId)).toEqual(['r1']);
    expect(await again.countOffline()).toEqual({ subsCount: 1, clientsCount: 1 });
    const queued = await all<{ payload: Buffer; brokerCounter: number }>(again.outgoingStream({ id: 'r1' }));
    expect(queued.map((q) => q.payload.toString())).toEqual(['check']);
    const wills = await all<{ clientId: string; brokerId: string }>(again.streamWill({}));
    expect(wills.map((w) => [w.clientId, w.brokerId])).toEqual([['r1', broker.id]]);
    // The same broker id continues its packet counter above what is queued.
    expect(restarted.counter).toBe(41);
    expect(again.brokerId(() => 'fresh')).toBe(again.brokerId(() => 'other'));
    await again.destroy();
  });

  it('queues a QoS 1 publish before its PUBACK, and once when aedes enqueues it afterwards', async () => {
    const { p, path } = await open();
    await p.addSubscriptions({ id: 'r2' }, [{ topic: 'hearth/robot/r2/cmd', qos: 1 }]);
    // As the wire parser hands it over: no broker id or counter yet.
    const incoming = { cmd: 'publish', topic: 'hearth/robot/r2/cmd', payload: Buffer.from('first'), qos: 1 };
    p.queueBeforeAck(incoming);
    p.queueBeforeAck({ ...incoming, payload: Buffer.from('second') });
    // A broker killed now: another instance on the file still has both, in order.
    const killed = new SqlitePersistence({ path });
    await killed.setup({ id: broker.id, counter: 0 });
    const survived = await all<{ payload: Buffer }>(killed.outgoingStream({ id: 'r2' }));
    expect(survived.map((q) => q.payload.toString())).toEqual(['first', 'second']);
    await killed.destroy();

    // Not killed: aedes copies the packet (same payload Buffer), numbers it and enqueues it itself.
    const counter = ++broker.counter;
    await p.outgoingEnqueueCombi(
      await p.subscriptionsByTopic(incoming.topic),
      publish(incoming.topic, 'ignored', { payload: incoming.payload, brokerCounter: counter }),
    );
    const queued = await all<{ payload: Buffer; brokerCounter: number }>(p.outgoingStream({ id: 'r2' }));
    expect(queued.map((q) => q.payload.toString())).toEqual(['first', 'second']);
    expect(queued[0]?.brokerCounter).toBe(counter);
    // So the delivery to a connected r2 finds its row by aedes' counter.
    await p.outgoingUpdate({ id: 'r2' }, { brokerId: broker.id, brokerCounter: counter, messageId: 9 });
    expect((await p.outgoingClearMessageId({ id: 'r2' }, { messageId: 9 }))?.payload?.toString()).toBe(
      'first',
    );
    await p.destroy();
  });
});

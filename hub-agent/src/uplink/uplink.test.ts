import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { TestCloud } from '../../test/support/test-cloud.js';
import { FakeClock } from '../clock.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import type { NewOutboxEntry } from '../store/outbox.js';
import { Uplink } from './uplink.js';

const log = pino({ level: 'silent' });
const reading = (i: number): NewOutboxEntry => ({
  ts: 1_767_600_000_000 + i,
  sensorId: 'pir',
  kind: 'motion',
  value: true,
});
const alert = (i: number): NewOutboxEntry => ({
  ts: 1_767_600_000_000 + i,
  sensorId: 'hub',
  kind: 'alert',
  value: null,
  alert: {
    alertId: randomUUID(),
    kind: 'pendant_pressed',
    severity: 'critical',
    source: 'button',
    message: 'The pendant was pressed.',
    evidence: [],
  },
});

let cloud: TestCloud;
let uplink: Uplink | null = null;
afterEach(async () => {
  await uplink?.stop();
  uplink = null;
  await cloud?.stop();
});

let hubKey: string | null = null;

async function setup(options: { batchSize?: number; random?: () => number } = {}) {
  cloud = await new TestCloud().start();
  hubKey = null;
  const clock = new FakeClock();
  const store = new MemoryOutboxStore();
  const up = new Uplink({
    store,
    clock,
    log,
    credentials: () => ({ cloudUrl: cloud.url, hubId: cloud.hubId, apiKey: hubKey ?? cloud.apiKey }),
    batchSize: options.batchSize ?? 10,
    backoff: { initialMs: 1000, maxMs: 60_000 },
    idlePollMs: 5000,
    random: options.random ?? (() => 0),
  });
  uplink = up;
  return { clock, store, uplink: up };
}

describe('Uplink', () => {
  it('uploads the outbox in order and in batches, moving the cursor to what the cloud holds', async () => {
    const { store, uplink, clock } = await setup();
    store.append(Array.from({ length: 35 }, (_, i) => reading(i)));
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 35, { clock, what: 'the backlog to drain' });
    expect(cloud.batches).toEqual([
      Array.from({ length: 10 }, (_, i) => i + 1),
      Array.from({ length: 10 }, (_, i) => i + 11),
      Array.from({ length: 10 }, (_, i) => i + 21),
      Array.from({ length: 5 }, (_, i) => i + 31),
    ]);
    expect(cloud.events.get(7)).toMatchObject({
      hubId: cloud.hubId,
      sensorId: 'pir',
      kind: 'motion',
      value: true,
    });
    expect(uplink.status()).toMatchObject({ connected: true, state: 'idle', lastError: null });
  });

  it('sends a new event as soon as it is kicked', async () => {
    const { store, uplink } = await setup();
    await uplink.start();
    await eventually(() => uplink.status().state === 'idle');
    store.append([alert(1)]);
    uplink.kick();
    await eventually(() => cloud.events.size === 1, { what: 'the alert to arrive without the clock moving' });
    expect(cloud.events.get(1)?.alert?.kind).toBe('pendant_pressed');
  });

  it('lets routine readings wait a moment to share a request, but never an alert', async () => {
    const { store, uplink, clock } = await setup();
    await uplink.start();
    await eventually(() => uplink.status().state === 'idle');
    for (let i = 1; i <= 3; i++) {
      store.append([reading(i)]);
      uplink.kick(false);
      clock.advance(500);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(cloud.batches).toEqual([]);
    clock.advance(500);
    await eventually(() => cloud.batches.length === 1);
    expect(cloud.batches).toEqual([[1, 2, 3]]);
    store.append([reading(4), alert(5)]);
    uplink.kick(true);
    await eventually(() => cloud.batches.length === 2, { what: 'the alert to go without waiting' });
    expect(cloud.batches[1]).toEqual([4, 5]);
  });

  it('backs off exponentially after failures and loses nothing', async () => {
    const { store, uplink, clock } = await setup();
    cloud.fail(3);
    store.append([reading(1), reading(2)]);
    await uplink.start();
    await eventually(() => cloud.batches.length === 0 && uplink.status().consecutiveFailures === 1);
    // With no jitter the waits are 500, 1000, 2000 ms: nothing is retried before its time.
    clock.advance(499);
    await new Promise((r) => setTimeout(r, 30));
    expect(uplink.status().consecutiveFailures).toBe(1);
    clock.advance(1);
    await eventually(() => uplink.status().consecutiveFailures === 2);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 30));
    expect(uplink.status().consecutiveFailures).toBe(2);
    expect(uplink.status()).toMatchObject({ state: 'backing_off', connected: false });
    expect(uplink.status().lastError).toMatch(/503/);
    clock.advance(1);
    await eventually(() => uplink.status().consecutiveFailures === 3);
    clock.advance(2000);
    await eventually(() => store.ackedThroughSeq() === 2);
    expect([...cloud.events.keys()]).toEqual([1, 2]);
  });

  it('sends an alert committed while backing off at once, without waiting out the backoff', async () => {
    const { store, uplink, clock } = await setup();
    cloud.fail(6);
    store.append([reading(1)]);
    await uplink.start();
    // Six failures: the next try is 32 s away (no jitter).
    for (let failures = 1; failures <= 6; failures++) {
      await eventually(() => uplink.status().consecutiveFailures === failures, { clock, stepMs: 1000 });
    }
    expect(uplink.status().state).toBe('backing_off');
    const waitingTimers = clock.pendingTimers();
    // A routine reading does not cut the backoff short…
    store.append([reading(2)]);
    uplink.kick(false);
    expect(clock.pendingTimers()).toBe(waitingTimers);
    // …an alert does, with the fake clock standing still.
    store.append([alert(3)]);
    uplink.kick(true);
    await eventually(() => store.ackedThroughSeq() === 3, {
      what: 'the alert to go without the clock moving',
    });
    expect(cloud.events.get(3)?.alert?.kind).toBe('pendant_pressed');
  });

  it('spreads retries with jitter between half and all of the backoff', async () => {
    const { store, uplink, clock } = await setup({ random: () => 0.999 });
    cloud.fail(1);
    store.append([reading(1)]);
    await uplink.start();
    await eventually(() => uplink.status().consecutiveFailures === 1);
    clock.advance(990);
    await new Promise((r) => setTimeout(r, 30));
    expect(cloud.events.size).toBe(0);
    clock.advance(10);
    await eventually(() => cloud.events.size === 1);
  });

  it('stops at once even while the cloud leaves a request hanging', async () => {
    const { store, uplink } = await setup();
    cloud.hang();
    store.append([reading(1)]);
    await uplink.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(uplink.status().state).toBe('uploading');
    const started = Date.now();
    await uplink.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(store.ackedThroughSeq()).toBe(0);
  });

  it('stops on a refused key and resumes only with a new one', async () => {
    const { store, uplink, clock } = await setup();
    hubKey = 'hk_revoked';
    store.append([reading(1)]);
    await uplink.start();
    await eventually(() => uplink.status().state === 'rejected');
    expect(uplink.status().lastError).toMatch(/hearth pair/);
    const requestsBefore = cloud.batches.length;
    clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(cloud.batches.length).toBe(requestsBefore);
    expect(store.ackedThroughSeq()).toBe(0);
    // The technician pairs again: the new key is picked up without a restart.
    hubKey = null;
    uplink.kick();
    await eventually(() => store.ackedThroughSeq() === 1, { clock, stepMs: 5000 });
  });

  it('stores a batch once when the connection drops after the cloud committed it', async () => {
    const { store, uplink, clock } = await setup();
    cloud.resetAfterCommit(2);
    store.append([reading(1), reading(2), reading(3)]);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 3, { clock, stepMs: 1000 });
    expect(cloud.batches).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect([...cloud.events.keys()]).toEqual([1, 2, 3]);
  });

  it('sends the alerts of a long backlog first after an outage', async () => {
    const { store, uplink, clock } = await setup();
    store.append(Array.from({ length: 40 }, (_, i) => reading(i)));
    store.append([alert(41)]);
    store.append(Array.from({ length: 9 }, (_, i) => reading(42 + i)));
    store.append([alert(51)]);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 51, { clock });
    expect(cloud.batches[0]).toEqual([41, 51]);
    // Once 1–40 arrive the cloud holds 1–41 without a gap, so the alert is not sent twice.
    expect(cloud.batches.slice(1).flat()).toEqual(
      Array.from({ length: 51 }, (_, i) => i + 1).filter((seq) => seq !== 41),
    );
  });

  it("continues under a new hub id after pairing again, and keeps another home's backlog to itself", async () => {
    const { store, uplink, clock } = await setup();
    const first = cloud;
    const second = await new TestCloud().start();
    const third = await new TestCloud().start();
    let paired = { cloud: first, seniorId: 'senior-a' };
    const up = new Uplink({
      store,
      clock,
      log,
      credentials: () => ({
        cloudUrl: paired.cloud.url,
        hubId: paired.cloud.hubId,
        apiKey: paired.cloud.apiKey,
        seniorId: paired.seniorId,
      }),
      idlePollMs: 1000,
    });
    await uplink.stop();
    await up.start();
    try {
      store.append([reading(1), reading(2)]);
      up.kick();
      await eventually(() => store.ackedThroughSeq() === 2, { clock, stepMs: 1000 });

      // Re-paired for the same senior (say after a lost key): the backlog goes to the new identity from seq 1.
      first.fail(100);
      store.append([reading(3), reading(4)]);
      await eventually(() => up.status().consecutiveFailures > 0, { clock, stepMs: 100 });
      paired = { cloud: second, seniorId: 'senior-a' };
      await eventually(() => store.ackedThroughSeq() === 4, { clock, stepMs: 1000 });
      expect([...second.events.values()].map((e) => [e.seq, e.ts])).toEqual([
        [1, new Date(1_767_600_000_003).toISOString()],
        [2, new Date(1_767_600_000_004).toISOString()],
      ]);

      // Moved to another senior's home: the unsent reading stays here; only new ones go.
      second.fail(100);
      store.append([reading(5)]);
      await eventually(() => up.status().consecutiveFailures > 0, { clock, stepMs: 100 });
      paired = { cloud: third, seniorId: 'senior-b' };
      await eventually(() => store.ackedThroughSeq() === 5, { clock, stepMs: 1000 });
      expect(third.events.size).toBe(0);
      store.append([reading(6)]);
      up.kick();
      await eventually(() => third.events.size === 1, { clock, stepMs: 1000 });
      expect(third.events.get(1)?.ts).toBe(new Date(1_767_600_000_006).toISOString());
      // The cloud has it; the hub moves its cursor once the answer arrives.
      await eventually(() => store.ackedThroughSeq() === 6, { clock, stepMs: 100 });
    } finally {
      await up.stop();
      await second.stop();
      await third.stop();
    }
  });

  it('finds an event the cloud refuses, sends a marker in its place, and delivers the rest', async () => {
    const { store, uplink, clock } = await setup();
    store.append(Array.from({ length: 16 }, (_, i) => reading(i + 1)));
    store.append([{ ts: 1, sensorId: 'odd-sensor', kind: 'motion', value: true }]);
    store.append(Array.from({ length: 13 }, (_, i) => reading(i + 18)));
    cloud.refuseSensor = 'odd-sensor';
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 30, { clock, stepMs: 1000 });
    expect(cloud.events.get(17)).toMatchObject({ sensorId: 'hub', value: 'reading_refused' });
    expect([...cloud.events.values()].filter((e) => e.sensorId === 'pir')).toHaveLength(29);
    // The refused event is still on the hub.
    expect(store.pending(100, 16)[0]).toMatchObject({ seq: 17, sensorId: 'odd-sensor' });
  });

  it('finds a reading the cloud keeps failing on with 500, so it cannot hold back the rest', async () => {
    const { store, uplink, clock } = await setup();
    store.append(Array.from({ length: 16 }, (_, i) => reading(i + 1)));
    store.append([{ ts: 1, sensorId: 'poison', kind: 'motion', value: true }]);
    store.append(Array.from({ length: 13 }, (_, i) => reading(i + 18)));
    cloud.crashOnSensor = 'poison';
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 30, { clock, stepMs: 1000 });
    expect(cloud.events.get(17)).toMatchObject({ sensorId: 'hub', value: 'reading_refused' });
    expect([...cloud.events.values()].filter((e) => e.sensorId === 'pir')).toHaveLength(29);
    expect(store.pending(100, 16)[0]).toMatchObject({ seq: 17, sensorId: 'poison' });
    // Batches grow back once the poisoned reading is passed.
    store.append(Array.from({ length: 10 }, (_, i) => reading(i + 31)));
    uplink.kick();
    await eventually(() => store.ackedThroughSeq() === 40, { clock, stepMs: 1000 });
    expect(cloud.batches.at(-1)).toHaveLength(10);
  });

  it('never suspects a reading while the cloud is down (502/503/504): it only waits', async () => {
    const { store, uplink, clock } = await setup();
    store.append(Array.from({ length: 4 }, (_, i) => reading(i + 1)));
    cloud.fail(4, 503);
    cloud.fail(4, 502);
    cloud.fail(4, 504);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 4, { clock, stepMs: 5000 });
    expect(uplink.status().lastError).toBeNull();
    expect(cloud.batches).toEqual([[1, 2, 3, 4]]);
    expect([...cloud.events.values()].every((e) => e.sensorId === 'pir')).toBe(true);
  });

  it('does not replace every event when the cloud refuses them all: it waits and says why', async () => {
    const { store, uplink, clock } = await setup();
    store.append(Array.from({ length: 20 }, (_, i) => reading(i + 1)));
    cloud.refuseSensor = 'pir';
    await uplink.start();
    await eventually(() => uplink.status().state === 'backing_off', { clock, stepMs: 100 });
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(cloud.events.size).toBeLessThanOrEqual(3);
    expect(uplink.status().lastError).toMatch(/refused the batch's content/);
    cloud.refuseSensor = null;
    await eventually(() => store.ackedThroughSeq() === 20, { clock, stepMs: 5000 });
    expect([...cloud.events.values()].filter((e) => e.sensorId === 'pir').length).toBeGreaterThanOrEqual(17);
  });

  it('passes holes left by the disk quota with markers, so the cursor can move on', async () => {
    const { store, uplink, clock } = await setup();
    store.append([reading(1), reading(2), alert(3), reading(4), reading(5)]);
    store.enforceQuota(2);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 5, { clock });
    expect(cloud.events.get(1)).toMatchObject({
      sensorId: 'hub',
      kind: 'heartbeat',
      value: 'reading_dropped',
    });
    expect(cloud.events.get(3)?.alert?.kind).toBe('pendant_pressed');
    expect(cloud.events.get(5)).toMatchObject({ sensorId: 'pir' });
  });
});

// Over ~300 lines on purpose: one suite run on two targets (the in-memory cloud and the real
// hearth-cloud); splitting it would start the real cloud once per file.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { memoryTarget, realTarget, type UplinkTarget } from '../../test/support/uplink-targets.js';
import { FakeClock } from '../clock.js';
import { CredentialsBox } from '../config/credentials-source.js';
import { MemoryHubState } from '../store/hub-state.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import type { NewOutboxEntry } from '../store/outbox.js';
import { Uplink, type UplinkCredentials } from './uplink.js';

const log = pino({ level: 'silent' });
const reading = (i: number, sensorId = 'pir'): NewOutboxEntry => ({
  ts: 1_767_600_000_000 + i,
  sensorId,
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
const seqs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
/** Batches in seq order: with two in flight, the cloud may answer the second first. */
const inSeqOrder = (batches: number[][]) => [...batches].sort((a, b) => a[0]! - b[0]!);

// One suite, two targets: what the uplink relies on is checked against the real cloud too, so the
// in-memory cloud every other hub test uses cannot drift from it. Faults are injected in the link.
describe.each([
  ['in-memory cloud', async () => memoryTarget()],
  ['real hearth-cloud', realTarget],
] as const)('Uplink against the %s', (_name, makeTarget) => {
  let target: UplinkTarget;
  beforeAll(async () => {
    target = await makeTarget();
  }, 120_000);
  afterAll(async () => {
    await target?.stop();
  });

  const running: Uplink[] = [];
  afterEach(async () => {
    for (const up of running.splice(0)) await up.stop();
  });

  async function setup(options: { batchSize?: number; random?: () => number } = {}) {
    target.link.reset();
    const hub = await target.newHub();
    const credentials = new CredentialsBox<UplinkCredentials>(hub);
    const clock = new FakeClock();
    const store = new MemoryOutboxStore();
    const uplink = build({ store, clock, credentials, ...options });
    return { clock, store, uplink, hub, credentials, link: target.link, held: () => target.held(hub) };
  }

  function build(deps: {
    store: MemoryOutboxStore;
    clock: FakeClock;
    credentials: CredentialsBox<UplinkCredentials>;
    batchSize?: number;
    random?: () => number;
    backoff?: { initialMs: number; maxMs: number };
  }) {
    const up = new Uplink({
      store: deps.store,
      settings: new MemoryHubState().settings,
      link: target.link,
      clock: deps.clock,
      log,
      credentials: deps.credentials,
      batchSize: deps.batchSize ?? 10,
      backoff: deps.backoff ?? { initialMs: 1000, maxMs: 60_000 },
      idlePollMs: 5000,
      random: deps.random ?? (() => 0),
    });
    running.push(up);
    return up;
  }

  it('uploads the outbox in order and in batches, moving the cursor to what the cloud holds', async () => {
    const { store, uplink, clock, link, held } = await setup();
    store.append(seqs(35).map((i) => reading(i - 1)));
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 35, { clock, what: 'the backlog to drain' });
    expect(inSeqOrder(link.batches)).toEqual([seqs(10), seqs(10, 11), seqs(10, 21), seqs(5, 31)]);
    expect((await held()).get(7)).toMatchObject({ sensorId: 'pir', kind: 'motion', value: true });
    expect(uplink.status()).toMatchObject({ connected: true, state: 'idle', lastError: null });
  });

  it('keeps a second batch in flight through a backlog, whichever the cloud stores first', async () => {
    const { store, uplink, clock, link, held } = await setup();
    store.append(seqs(35).map((i) => reading(i - 1)));
    const release = link.hold();
    await uplink.start();
    // The first batch is held on its way; the one after it is posted meanwhile and stored first,
    // above a gap, so its answer cannot move the cursor yet.
    await eventually(() => link.batches.length === 1, { what: 'the second batch to be stored' });
    expect(link.uploads).toBe(2);
    expect(link.batches).toEqual([seqs(10, 11)]);
    expect(store.ackedThroughSeq()).toBe(0);
    release();
    await eventually(() => store.ackedThroughSeq() === 35, { clock, what: 'the backlog to drain' });
    expect(link.batches.slice(0, 2)).toEqual([seqs(10, 11), seqs(10)]);
    expect(inSeqOrder(link.batches).flat()).toEqual(seqs(35));
    expect([...(await held()).keys()].sort((a, b) => a - b)).toEqual(seqs(35));
    expect(uplink.status()).toMatchObject({ connected: true, state: 'idle', lastError: null });
  });

  it('sends a new event as soon as it is kicked', async () => {
    const { store, uplink, held } = await setup();
    await uplink.start();
    await eventually(() => uplink.status().state === 'idle');
    store.append([alert(1)]);
    uplink.kick();
    await eventually(() => store.ackedThroughSeq() === 1, {
      what: 'the alert to arrive without the clock moving',
    });
    expect((await held()).get(1)).toMatchObject({ sensorId: 'hub', kind: 'alert' });
  });

  it('lets routine readings wait a moment to share a request, but never an alert', async () => {
    const { store, uplink, clock, link } = await setup();
    await uplink.start();
    await eventually(() => uplink.status().state === 'idle');
    for (let i = 1; i <= 3; i++) {
      store.append([reading(i)]);
      uplink.kick(false);
      clock.advance(500);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(link.uploads).toBe(0);
    clock.advance(500);
    await eventually(() => link.batches.length === 1);
    expect(link.batches).toEqual([[1, 2, 3]]);
    store.append([reading(4), alert(5)]);
    uplink.kick(true);
    await eventually(() => link.batches.length === 2, { what: 'the alert to go without waiting' });
    expect(link.batches[1]).toEqual([4, 5]);
  });

  it('backs off exponentially after failures and loses nothing', async () => {
    const { store, uplink, clock, link, held } = await setup();
    link.fail(3);
    store.append([reading(1), reading(2)]);
    await uplink.start();
    await eventually(() => uplink.status().consecutiveFailures === 1);
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
    expect([...(await held()).keys()]).toEqual([1, 2]);
  });

  it('does not hold an alert behind a batch posted ahead that hangs after the one before it failed', async () => {
    const { store, uplink, clock, link } = await setup();
    store.append(seqs(35).map((i) => reading(i - 1)));
    // The first batch fails; the one posted ahead of it is never answered (until it is abandoned).
    link.fail(1);
    link.hang(1);
    await uplink.start();
    await eventually(() => uplink.status().state === 'backing_off' && link.uploads === 2, {
      what: 'the first batch to fail with the second in flight',
    });
    store.append([alert(36)]);
    uplink.kick(true);
    await eventually(() => link.batches.some((b) => b.includes(36)), {
      what: 'the alert to go without waiting for the hanging request',
    });
    expect(link.batches[0]).toEqual([36]);
    await eventually(() => store.ackedThroughSeq() === 36, {
      clock,
      stepMs: 1000,
      what: 'the backlog to drain',
    });
  });

  it('sends an alert committed while backing off at once, without waiting out the backoff', async () => {
    const { store, uplink, clock, link } = await setup();
    link.fail(6);
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
  });

  it('spreads retries with jitter between half and all of the backoff', async () => {
    const { store, uplink, clock, link } = await setup({ random: () => 0.999 });
    link.fail(1);
    store.append([reading(1)]);
    await uplink.start();
    await eventually(() => uplink.status().consecutiveFailures === 1);
    clock.advance(990);
    await new Promise((r) => setTimeout(r, 30));
    expect(link.uploads).toBe(1);
    clock.advance(10);
    await eventually(() => store.ackedThroughSeq() === 1);
  });

  it('stops at once even while the cloud leaves a request hanging', async () => {
    const { store, uplink, link } = await setup();
    link.hang();
    store.append([reading(1)]);
    await uplink.start();
    await eventually(() => link.uploads === 1);
    expect(uplink.status().state).toBe('uploading');
    const started = Date.now();
    await uplink.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(store.ackedThroughSeq()).toBe(0);
  });

  it('stops on a refused key and resumes only with a new one, told by the credentials', async () => {
    const { store, uplink, clock, link, hub, credentials } = await setup();
    credentials.set({ ...hub, apiKey: 'hk_revoked_revoked_revoked' });
    store.append([reading(1)]);
    await uplink.start();
    await eventually(() => uplink.status().state === 'rejected');
    expect(uplink.status().lastError).toMatch(/hearth pair/);
    const requestsBefore = link.uploads;
    clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(link.uploads).toBe(requestsBefore);
    expect(store.ackedThroughSeq()).toBe(0);
    // The technician pairs again: the new key is used at once, without a restart or a kick.
    credentials.set(hub);
    await eventually(() => store.ackedThroughSeq() === 1, { what: 'the upload with the new key' });
  });

  it('stores a batch once when the connection drops after the cloud committed it', async () => {
    const { store, uplink, clock, link, held } = await setup();
    link.resetAfterCommit(2);
    store.append([reading(1), reading(2), reading(3)]);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 3, { clock, stepMs: 1000 });
    expect(link.batches).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect([...(await held()).keys()]).toEqual([1, 2, 3]);
  });

  it('sends the alerts of a long backlog first after an outage', async () => {
    const { store, uplink, clock, link } = await setup();
    store.append(seqs(40).map((i) => reading(i - 1)));
    store.append([alert(41)]);
    store.append(seqs(9).map((i) => reading(41 + i)));
    store.append([alert(51)]);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 51, { clock });
    expect(link.batches[0]).toEqual([41, 51]);
    // The rest follow in their turn. 41 goes again, in a batch posted before the cloud's answer
    // showed it held; that batch's answer then reaches 51, which is not sent again. The cloud keeps
    // each alert once.
    expect(inSeqOrder(link.batches.slice(1)).flat()).toEqual(seqs(50));
  });

  it('keeps batches in flight through a backlog, yet an alert committed meanwhile goes before the rest', async () => {
    const { store, uplink, clock, link } = await setup();
    store.append(seqs(35).map((i) => reading(i - 1)));
    const release = link.hold();
    await uplink.start();
    await eventually(() => link.batches.length === 1, { what: 'the batch posted ahead to be stored' });
    store.append([alert(36)]);
    release();
    await eventually(() => store.ackedThroughSeq() === 36, { clock, what: 'the backlog to drain' });
    // The two batches already in flight finish; the alert goes next, before the rest of the backlog,
    // and again in its ordered turn; the cloud keeps it once.
    expect(link.batches).toEqual([seqs(10, 11), seqs(10), [36], seqs(10, 21), seqs(6, 31)]);
  });

  it("continues under a new hub id after pairing again, and keeps another home's backlog to itself", async () => {
    const { store, clock, link, hub: first, credentials } = await setup();
    const second = await target.newHub(first);
    const third = await target.newHub();
    const up = build({ store, clock, credentials, backoff: { initialMs: 1000, maxMs: 300_000 } });
    await up.start();
    store.append([reading(1), reading(2)]);
    up.kick();
    await eventually(() => store.ackedThroughSeq() === 2, { clock, stepMs: 1000 });

    // Re-paired for the same senior (say after a lost key): the backlog goes to the new identity from seq 1.
    link.fail(1);
    store.append([reading(3), reading(4)]);
    up.kick();
    await eventually(() => up.status().consecutiveFailures > 0, { clock, stepMs: 100 });
    credentials.set(second);
    await eventually(() => store.ackedThroughSeq() === 4, { clock, stepMs: 1000 });
    expect([...(await target.held(second)).values()].map((e) => [e.seq, e.ts])).toEqual([
      [1, new Date(1_767_600_000_003).toISOString()],
      [2, new Date(1_767_600_000_004).toISOString()],
    ]);

    // Moved to another senior's home: the unsent reading stays here; only new ones go.
    link.fail(1);
    store.append([reading(5)]);
    up.kick();
    await eventually(() => up.status().consecutiveFailures > 0, { clock, stepMs: 100 });
    credentials.set(third);
    await eventually(() => store.ackedThroughSeq() === 5, { clock, stepMs: 1000 });
    expect((await target.held(third)).size).toBe(0);
    store.append([reading(6)]);
    up.kick();
    await eventually(() => store.ackedThroughSeq() === 6, { clock, stepMs: 100 });
    const held = await target.held(third);
    expect([...held.keys()]).toEqual([1]);
    expect(held.get(1)?.ts).toBe(new Date(1_767_600_000_006).toISOString());
  });

  it('finds an event the cloud refuses, sends a marker in its place, and delivers the rest', async () => {
    const { store, uplink, clock, link, held } = await setup();
    store.append(seqs(16).map((i) => reading(i)));
    store.append([reading(17, 'odd-sensor')]);
    store.append(seqs(13, 18).map((i) => reading(i)));
    link.refuseWhen((e) => e.sensorId === 'odd-sensor', 400);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 30, { clock, stepMs: 1000 });
    const cloud = await held();
    expect(cloud.get(17)).toMatchObject({ sensorId: 'hub', value: 'reading_refused' });
    expect([...cloud.values()].filter((e) => e.sensorId === 'pir')).toHaveLength(29);
    // The refused event is still on the hub.
    expect(store.pending(100, 16)[0]).toMatchObject({ seq: 17, sensorId: 'odd-sensor' });
  });

  it('finds a reading the cloud keeps failing on with 500, so it cannot hold back the rest', async () => {
    const { store, uplink, clock, link, held } = await setup();
    store.append(seqs(16).map((i) => reading(i)));
    store.append([reading(17, 'poison')]);
    store.append(seqs(13, 18).map((i) => reading(i)));
    link.refuseWhen((e) => e.sensorId === 'poison', 500);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 30, { clock, stepMs: 1000 });
    const cloud = await held();
    expect(cloud.get(17)).toMatchObject({ sensorId: 'hub', value: 'reading_refused' });
    expect([...cloud.values()].filter((e) => e.sensorId === 'pir')).toHaveLength(29);
    expect(store.pending(100, 16)[0]).toMatchObject({ seq: 17, sensorId: 'poison' });
    // Batches grow back once the poisoned reading is passed.
    store.append(seqs(10, 31).map((i) => reading(i)));
    uplink.kick();
    await eventually(() => store.ackedThroughSeq() === 40, { clock, stepMs: 1000 });
    expect(link.batches.at(-1)).toHaveLength(10);
  });

  it('never suspects a reading while the cloud is down (502/503/504): it only waits', async () => {
    const { store, uplink, clock, link, held } = await setup();
    store.append(seqs(4).map((i) => reading(i)));
    link.fail(4, 503);
    link.fail(4, 502);
    link.fail(4, 504);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 4, { clock, stepMs: 5000 });
    expect(uplink.status().lastError).toBeNull();
    expect(link.batches).toEqual([[1, 2, 3, 4]]);
    expect([...(await held()).values()].every((e) => e.sensorId === 'pir')).toBe(true);
  });

  it('does not replace every event when the cloud refuses them all: it waits and says why', async () => {
    const { store, uplink, clock, link, held } = await setup();
    store.append(seqs(20).map((i) => reading(i)));
    link.refuseWhen((e) => e.sensorId === 'pir', 400);
    await uplink.start();
    await eventually(() => uplink.status().state === 'backing_off', { clock, stepMs: 100 });
    clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(store.ackedThroughSeq()).toBeLessThanOrEqual(3);
    expect(uplink.status().lastError).toMatch(/refused the batch's content/);
    link.refuseWhen(null);
    await eventually(() => store.ackedThroughSeq() === 20, { clock, stepMs: 5000 });
    expect([...(await held()).values()].filter((e) => e.sensorId === 'pir').length).toBeGreaterThanOrEqual(
      17,
    );
  });

  it('passes holes left by the disk quota with markers, so the cursor can move on', async () => {
    const { store, uplink, clock, held } = await setup();
    store.append([reading(1), reading(2), alert(3), reading(4), reading(5)]);
    store.enforceQuota(2);
    await uplink.start();
    await eventually(() => store.ackedThroughSeq() === 5, { clock });
    const cloud = await held();
    expect(cloud.get(1)).toMatchObject({ sensorId: 'hub', kind: 'heartbeat', value: 'reading_dropped' });
    expect(cloud.get(3)).toMatchObject({ sensorId: 'hub', kind: 'alert' });
    expect(cloud.get(5)).toMatchObject({ sensorId: 'pir' });
  });
});

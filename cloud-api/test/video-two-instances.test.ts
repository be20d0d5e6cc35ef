import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { pendantAlert, TestCloud } from './harness.js';
import { instancePairTargets } from './targets.js';

const pairs = instancePairTargets();

// The hub holds its control socket on instance A; the carer's dashboard is on instance B. Every
// signaling step must cross the bus, both ways.

describe.each(pairs)('video signaling across two cloud instances on $name', ({ db, bus: busTarget }) => {
  let a: TestCloud;
  let b: TestCloud;
  let cleanup: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    const created = await db.createDatabase();
    const shared = created.url
      ? undefined
      : await openDatabase({ databaseUrl: undefined, dataDir: 'memory' });
    const common = {
      ...(created.url && { databaseUrl: created.url }),
      ...(shared && { database: shared }),
      env: { HEARTH_REDIS_PREFIX: busTarget.prefix },
    };
    a = await TestCloud.start({ ...common, bus: await busTarget.open() });
    b = await TestCloud.start({ ...common, bus: await busTarget.open() });
    cleanup = async () => {
      await a.stop();
      await b.stop();
      await shared?.close();
      await created.drop();
    };
    const admin = await a.staff('admin');
    carer = await a.staff('staff');
    seniorId = await a.senior(admin.token);
    await a.assign(admin.token, seniorId, carer.id);
    hub = await a.pairHub(admin.token, seniorId);
    await a.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, randomUUID())]);
  });
  afterAll(async () => {
    await cleanup();
  });

  it('relays start, offer, answer, candidates, the path and bye between a hub on A and a dashboard on B', async () => {
    const control = await a.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const opened = await b.api('POST', `seniors/${seniorId}/video-sessions`, { token: carer.token });
    expect(opened.status).toBe(201);
    const topic = `video:${opened.body.sessionId}`;
    const start = await control.next((m) => m.type === 'signal' && m.topic === topic);
    expect(start.data).toMatchObject({ kind: 'start', sessionId: opened.body.sessionId });

    const dashboard = await b.ws(carer.token);
    expect((await dashboard.subscribe(topic)).type).toBe('snapshot');
    control.send({ type: 'signal', topic, data: { kind: 'offer', sdp: 'v=0 from the hub' } });
    expect((await dashboard.next((m) => m.type === 'signal')).data).toEqual({
      kind: 'offer',
      sdp: 'v=0 from the hub',
    });
    const kindIs = (kind: string) => (m: { type: string; data?: unknown }) =>
      m.type === 'signal' && (m.data as { kind?: string }).kind === kind;
    dashboard.send({ type: 'signal', topic, data: { kind: 'answer', sdp: 'v=0 from the browser' } });
    expect((await control.next(kindIs('answer'))).data).toEqual({
      kind: 'answer',
      sdp: 'v=0 from the browser',
    });
    const candidate = {
      kind: 'candidate',
      candidate: 'candidate:1 1 UDP 1 192.0.2.1 5000 typ host',
      mid: '0',
    };
    dashboard.send({ type: 'signal', topic, data: candidate });
    expect((await control.next(kindIs('candidate'))).data).toEqual(candidate);
    control.send({ type: 'signal', topic, data: { kind: 'connected', candidateType: 'srflx' } });
    expect((await dashboard.next(kindIs('connected'))).data).toEqual({
      kind: 'connected',
      candidateType: 'srflx',
    });
    dashboard.send({ type: 'signal', topic, data: { kind: 'bye' } });
    expect((await control.next(kindIs('bye'))).data).toEqual({ kind: 'bye' });
    control.close();
    dashboard.close();
  });
});

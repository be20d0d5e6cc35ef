import { randomUUID } from 'node:crypto';
import type { Alert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bus } from '../src/bus/bus.js';
import { openDatabase } from '../src/db/database.js';
import { pendantAlert, TestCloud } from './harness.js';
import { instancePairTargets } from './targets.js';

const pairs = instancePairTargets();

describe.each(pairs)('two cloud instances on $name', ({ db, bus: busTarget }) => {
  let a: TestCloud;
  let b: TestCloud;
  let busB: Bus;
  let cleanup: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;

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
    busB = await busTarget.open();
    b = await TestCloud.start({ ...common, bus: busB });
    cleanup = async () => {
      await a.stop();
      await b.stop();
      await shared?.close();
      await created.drop();
    };
    admin = await a.staff('admin');
    carer = await a.staff('staff');
    const senior = await a.senior(admin.token);
    await a.assign(admin.token, senior, carer.id);
    hub = await a.pairHub(admin.token, senior);
  });
  afterAll(async () => {
    await cleanup();
  });

  it('an alert ingested through instance A reaches a dashboard connected to instance B', async () => {
    const ws = await b.ws(carer.token);
    await ws.subscribe('alerts');
    const started = Date.now();
    await a.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, randomUUID())]);
    const update = await ws.next((m) => m.type === 'update');
    expect((update.data as Alert).kind).toBe('pendant_pressed');
    // A second in production; generous here because CI machines run several suites at once.
    expect(Date.now() - started).toBeLessThan(1500);
    // Acknowledged on B, seen on a dashboard on A.
    const wsA = await a.ws(carer.token);
    await wsA.subscribe('alerts');
    await b.api('POST', `alerts/${(update.data as Alert).id}/ack`, { token: carer.token });
    const acked = await wsA.next((m) => m.type === 'update' && (m.data as Alert).status === 'acknowledged');
    expect((acked.data as Alert).acknowledgedBy).toBe(carer.id);
    ws.close();
    wsA.close();
  });

  it('a dashboard opened on B knows at once whether a hub connected to A is online, and its agent version', async () => {
    type HubsSnapshot = { hubs: { id: string; online: boolean; agentVersion: string | null }[] };
    const seenFromB = async () => {
      const ws = await b.ws(carer.token);
      const snap = await ws.subscribe('hubs');
      ws.close();
      return (snap.data as HubsSnapshot).hubs.find((h) => h.id === hub.hubId);
    };
    expect(await seenFromB()).toMatchObject({ online: false, agentVersion: null });
    const link = await a.hubWs(hub.apiKey);
    await link.next((m) => m.type === 'ack' && m.topic === 'hello');
    link.send({ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion: '3.1.4' } });
    await vi.waitFor(
      async () => expect(await seenFromB()).toMatchObject({ online: true, agentVersion: '3.1.4' }),
      {
        timeout: 5000,
      },
    );
    // The hub dies: a dashboard opened on B right after says offline, without waiting for silence.
    link.close();
    await vi.waitFor(
      async () => expect(await seenFromB()).toMatchObject({ online: false, agentVersion: '3.1.4' }),
      {
        timeout: 5000,
      },
    );
  });

  it('a dashboard that missed the ring (bus down) gets the alert when it resumes from its cursor', async () => {
    const ws = await b.ws(carer.token);
    const snap = await ws.subscribe('alerts');
    const cursor = (snap.data as { cursor: number }).cursor;
    // B loses its bus: the ring for the next alert never reaches it.
    await busB.close();
    await a.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, randomUUID(), 'fall_suspected')]);
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.messages.filter((m) => m.type === 'update')).toEqual([]);
    ws.close();

    // It reconnects (here to A) with the last cursor it saw, and nothing is missing.
    const back = await a.ws(carer.token);
    const resumed = await back.subscribe('alerts', { cursor });
    expect((resumed.data as { alerts: Alert[] }).alerts.map((x) => x.kind)).toEqual(['fall_suspected']);
    back.close();
  });
});

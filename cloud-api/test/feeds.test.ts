import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('live feeds over /ws on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let stranger: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let otherSenior: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    const admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    stranger = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token, 'Watched Senior');
    otherSenior = await cloud.senior(admin.token, 'Other Senior');
    await cloud.assign(admin.token, seniorId, carer.id);
    await cloud.assign(admin.token, otherSenior, stranger.id);
    hub = await cloud.pairHub(admin.token, seniorId);
    await cloud.upload(hub.apiKey, [
      reading(hub.hubId, 1, { ts: new Date(Date.now() - 60_000).toISOString() }),
    ]);
  });
  afterAll(() => teardown());

  it("streams a senior's readings to a carer subscribed to senior:<id>, after a snapshot of the recent ones", async () => {
    const ws = await cloud.ws(carer.token);
    const snapshot = await ws.subscribe(`senior:${seniorId}`);
    expect((snapshot.data as { events: { seq: number }[] }).events.map((e) => e.seq)).toEqual([1]);
    await cloud.upload(hub.apiKey, [
      reading(hub.hubId, 2, { ts: new Date().toISOString(), kind: 'temperature', value: 17.5 }),
    ]);
    const update = await ws.next((m) => m.type === 'update' && m.topic === `senior:${seniorId}`);
    expect(update.data).toMatchObject({ events: [{ seq: 2, kind: 'temperature', value: 17.5 }], omitted: 0 });
    ws.close();
    const [audit] =
      await cloud.sql`select 1 from audit_log where action = 'senior.live.subscribe' and target_id = ${seniorId}`;
    expect(audit).toBeDefined();
  });

  it('gives each staff member only their own seniors and hubs', async () => {
    const ws = await cloud.ws(stranger.token);
    const seniors = (await ws.subscribe('seniors')).data as { seniors: { id: string }[] };
    expect(seniors.seniors.map((s) => s.id)).toEqual([otherSenior]);
    const hubs = (await ws.subscribe('hubs')).data as { hubs: unknown[] };
    expect(hubs.hubs).toEqual([]);
    ws.close();
    const mine = await cloud.ws(carer.token);
    const myHubs = (await mine.subscribe('hubs')).data as { hubs: { id: string }[] };
    expect(myHubs.hubs.map((h) => h.id)).toEqual([hub.hubId]);
    mine.close();
  });

  it('pushes a requested safety check to the carers who see that senior, and no one else', async () => {
    const carerWs = await cloud.ws(carer.token);
    const strangerWs = await cloud.ws(stranger.token);
    await carerWs.subscribe('safety-checks');
    await strangerWs.subscribe('safety-checks');
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const requested = await cloud.api('POST', `seniors/${seniorId}/safety-checks`, {
      token: carer.token,
      body: { room: 'bathroom', reason: 'no answer on the phone' },
    });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ status: 'requested' });
    const pushed = await carerWs.next((m) => m.type === 'update' && m.topic === 'safety-checks');
    expect(pushed.data).toMatchObject({ id: requested.body.id, seniorId, detail: 'no answer on the phone' });
    await new Promise((r) => setTimeout(r, 300));
    expect(strangerWs.messages.filter((m) => m.type === 'update')).toEqual([]);
    const read = await cloud.api('GET', `safety-checks/${requested.body.id}`, { token: carer.token });
    expect(read.body).toMatchObject({ id: requested.body.id, status: 'requested', requestedBy: carer.id });
    carerWs.close();
    strangerWs.close();
    control.close();
  });
});

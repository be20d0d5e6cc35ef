import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/bus/bus.js';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { instancePairTargets } from './targets.js';
import type { WsTestClient } from './ws-client.js';

const pairs = instancePairTargets();

type Loose = { change: string; senior?: { id: string; name: string }; staffId?: string; online?: boolean } & {
  hub?: { id: string; seniorId: string; status: string; lastSeenAt: string | null };
};

const updateOf = (ws: WsTestClient, topic: string, match: (d: Loose) => boolean) =>
  ws
    .next((m) => m.type === 'update' && m.topic === topic && match(m.data as Loose))
    .then((m) => m.data as Loose);

describe.each(pairs)('live seniors and hubs topics on $name', ({ db, bus: busTarget }) => {
  let cloud: TestCloud;
  let bus: Bus;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let stranger: Awaited<ReturnType<TestCloud['staff']>>;

  beforeAll(async () => {
    bus = await busTarget.open();
    const started = await cloudOn(db, { bus, env: { HEARTH_REDIS_PREFIX: busTarget.prefix } });
    cloud = started.cloud;
    teardown = async () => {
      await started.teardown();
      if (busTarget.name === 'redis') await bus.close();
    };
    admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    stranger = await cloud.staff('staff');
    // The stranger looks after someone else, so their topics are not simply empty.
    await cloud.assign(admin.token, await cloud.senior(admin.token, 'Someone Else'), stranger.id);
  });
  afterAll(() => teardown());

  async function dashboards() {
    const out: WsTestClient[] = [];
    for (const who of [admin, carer, stranger]) {
      const ws = await cloud.ws(who.token);
      expect((await ws.subscribe('seniors')).type).toBe('snapshot');
      expect((await ws.subscribe('hubs')).type).toBe('snapshot');
      out.push(ws);
    }
    return out as [WsTestClient, WsTestClient, WsTestClient];
  }

  it('tells a carer live about a senior newly assigned to them, and an unassigned staff member nothing', async () => {
    const [adminWs, carerWs, strangerWs] = await dashboards();
    const seniorId = await cloud.senior(admin.token, 'Grace Newcomer');
    const created = await updateOf(adminWs, 'seniors', (d) => d.senior?.id === seniorId);
    expect(created).toMatchObject({ change: 'created', senior: { name: 'Grace Newcomer' } });

    await cloud.assign(admin.token, seniorId, carer.id);
    const assigned = await updateOf(carerWs, 'seniors', (d) => d.change === 'assigned');
    expect(assigned).toMatchObject({ senior: { id: seniorId, name: 'Grace Newcomer' }, staffId: carer.id });

    const renamed = await cloud.api('PATCH', `seniors/${seniorId}`, {
      token: admin.token,
      body: { name: 'Grace Hopper' },
    });
    expect(renamed.status).toBe(200);
    const updated = await updateOf(carerWs, 'seniors', (d) => d.change === 'updated');
    expect(updated.senior).toMatchObject({ id: seniorId, name: 'Grace Hopper' });

    // The carer never heard of the senior before the assignment.
    const carerSeniors = carerWs.messages.filter((m) => m.type === 'update' && m.topic === 'seniors');
    expect(carerSeniors.map((m) => (m.data as Loose).change)).toEqual(['assigned', 'updated']);
    // Give the stranger's socket every chance to (wrongly) receive any of it.
    await new Promise((r) => setTimeout(r, 300));
    expect(strangerWs.messages.filter((m) => m.type === 'update')).toEqual([]);
    for (const ws of [adminWs, carerWs, strangerWs]) ws.close();
  });

  it("pushes a hub's claim, connection, upload, key rotation and revocation to the carer, and nothing to a stranger", async () => {
    const seniorId = await cloud.senior(admin.token, 'Hub Owner');
    await cloud.assign(admin.token, seniorId, carer.id);
    const [adminWs, carerWs, strangerWs] = await dashboards();

    const hub = await cloud.pairHub(admin.token, seniorId);
    const claimed = await updateOf(carerWs, 'hubs', (d) => d.hub?.id === hub.hubId && d.change === 'claimed');
    expect(claimed.hub).toEqual({
      id: hub.hubId,
      seniorId,
      status: 'active',
      lastSeenAt: null,
      online: false,
      agentVersion: null,
    });
    await updateOf(adminWs, 'hubs', (d) => d.hub?.id === hub.hubId && d.change === 'claimed');

    const control = await cloud.hubWs(hub.apiKey);
    const online = await updateOf(carerWs, 'hubs', (d) => d.change === 'connected');
    expect(online).toMatchObject({ online: true, hub: { id: hub.hubId, online: true } });
    expect(online.hub?.lastSeenAt).not.toBeNull();

    expect((await cloud.upload(hub.apiKey, [reading(hub.hubId, 1)])).status).toBe(200);
    const seen = await updateOf(carerWs, 'hubs', (d) => d.change === 'seen');
    expect(Date.parse(seen.hub!.lastSeenAt!)).toBeGreaterThanOrEqual(Date.parse(online.hub!.lastSeenAt!));

    const rotated = await cloud.api('POST', `hubs/${hub.hubId}/rotate-key`, { token: admin.token });
    expect(rotated.status).toBe(200);
    await updateOf(carerWs, 'hubs', (d) => d.change === 'key-rotated');
    // Rotating the key closes the hub's socket: the dashboards see it go offline.
    expect(await control.closed).toBe(4001);
    const offline = await updateOf(carerWs, 'hubs', (d) => d.change === 'disconnected');
    expect(offline).toMatchObject({ online: false, hub: { id: hub.hubId, status: 'active', online: false } });

    expect((await cloud.api('DELETE', `hubs/${hub.hubId}`, { token: admin.token })).status).toBe(204);
    const revoked = await updateOf(carerWs, 'hubs', (d) => d.change === 'revoked');
    expect(revoked.hub).toMatchObject({ id: hub.hubId, status: 'revoked' });

    await new Promise((r) => setTimeout(r, 300));
    expect(strangerWs.messages.filter((m) => m.type === 'update')).toEqual([]);
    for (const ws of [adminWs, carerWs, strangerWs]) ws.close();
  });

  it('tells the dashboards that re-pairing a device revoked its earlier registration', async () => {
    const seniorId = await cloud.senior(admin.token, 'Re-paired');
    await cloud.assign(admin.token, seniorId, carer.id);
    const first = await cloud.pairHub(admin.token, seniorId, 'pi-kitchen');
    const [adminWs, carerWs, strangerWs] = await dashboards();
    const second = await cloud.pairHub(admin.token, seniorId, 'pi-kitchen');
    const old = await updateOf(carerWs, 'hubs', (d) => d.hub?.id === first.hubId);
    expect(old).toMatchObject({ change: 'revoked', hub: { status: 'revoked' } });
    await updateOf(carerWs, 'hubs', (d) => d.hub?.id === second.hubId && d.change === 'claimed');
    await new Promise((r) => setTimeout(r, 300));
    expect(strangerWs.messages.filter((m) => m.type === 'update')).toEqual([]);
    for (const ws of [adminWs, carerWs, strangerWs]) ws.close();
  });
});

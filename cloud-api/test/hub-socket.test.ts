import { randomUUID } from 'node:crypto';
import type { Alert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendToHub } from '../src/hubs/hub-commands.js';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())("the hub's control channel on $name", (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  it('tells the hub when a carer acknowledges and resolves its alert', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    expect(await control.next((m) => m.topic === 'hello')).toMatchObject({
      data: { hubId: hub.hubId, seniorId },
    });
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, randomUUID())]);
    const [alert] = await cloud.sql<{ id: string }[]>`select id from alerts where hub_id = ${hub.hubId}`;
    await cloud.api('POST', `alerts/${alert!.id}/ack`, { token: carer.token });
    const acked = await control.next(
      (m) => m.topic === 'alerts' && (m.data as Alert).status === 'acknowledged',
    );
    expect((acked.data as Alert).acknowledgedBy).toBe(carer.id);
    // By name too, so the technician at the hub sees who has it.
    expect((acked.data as Alert).acknowledgedByName).toBe(carer.name);
    await cloud.api('POST', `alerts/${alert!.id}/resolve`, {
      token: carer.token,
      body: { note: 'she was fine' },
    });
    await control.next((m) => m.topic === 'alerts' && (m.data as Alert).status === 'resolved');
    control.close();
  });

  it('carries a safety-check request down and its result back up to the carer', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    const dashboard = await cloud.ws(carer.token);
    await dashboard.subscribe('safety-checks');
    const requested = await cloud.api('POST', `seniors/${seniorId}/safety-checks`, {
      token: carer.token,
      body: { room: 'kitchen' },
    });
    const down = await control.next((m) => m.topic === 'safety-checks');
    expect(down.data).toEqual({ id: requested.body.id, room: 'kitchen', reason: null });

    control.send({
      type: 'update',
      topic: 'safety-checks',
      id: 'r1',
      data: { id: requested.body.id, status: 'done', outcome: 'ok', detail: 'senior waved' },
    });
    expect(await control.next((m) => m.type === 'ack' && m.id === 'r1')).toBeDefined();
    const pushed = await dashboard.next(
      (m) => m.topic === 'safety-checks' && (m.data as { status: string }).status === 'done',
    );
    expect(pushed.data).toMatchObject({ outcome: 'ok', detail: 'senior waved' });
    const read = await cloud.api('GET', `safety-checks/${requested.body.id}`, { token: carer.token });
    expect(read.body).toMatchObject({ status: 'done', outcome: 'ok' });

    // A bad report is refused precisely; a check of another senior cannot be touched.
    control.send({ type: 'update', topic: 'safety-checks', data: { id: 'nope', status: 'exploded' } });
    expect((await control.next((m) => m.type === 'error')).data).toMatchObject({ code: 'VALIDATION_FAILED' });
    const other = await cloud.senior(admin.token, 'Someone Else');
    const [foreign] = await cloud.sql<{ id: string }[]>`
      insert into safety_checks (senior_id) values (${other}) returning id`;
    control.send({
      type: 'update',
      topic: 'safety-checks',
      data: { id: foreign!.id, status: 'done', outcome: 'ok' },
    });
    await control.next((m) => m.type === 'error' && (m.data as { code: string }).code === 'NOT_FOUND');
    const untouched = await cloud.api('GET', `safety-checks/${foreign!.id}`, { token: admin.token });
    expect(untouched.body.status).toBe('requested');
    control.close();
    dashboard.close();
  });

  it('answers 409 HUB_OFFLINE at once for a senior whose hub holds no control socket', async () => {
    const other = await cloud.senior(admin.token, 'Never Paired');
    const unpaired = await cloud.api('POST', `seniors/${other}/safety-checks`, { token: admin.token });
    expect(unpaired.status).toBe(409);
    expect(unpaired.body.error.code).toBe('HUB_OFFLINE');
    // Paired but not connected, then connected, then gone again.
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const online = await cloud.api('POST', `seniors/${seniorId}/safety-checks`, { token: carer.token });
    expect(online.status).toBe(202);
    control.close();
    await expect
      .poll(
        async () =>
          (await cloud.api('POST', `seniors/${seniorId}/safety-checks`, { token: carer.token })).status,
      )
      .toBe(409);
    const [left] =
      await cloud.sql`select count(*)::int as n from hub_control_links where hub_id = ${hub.hubId}`;
    expect(left).toEqual({ n: 0 });
  });

  it('delivers a command sent with sendToHub', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    await sendToHub(cloud.cloud.deps.bus, {
      hubId: hub.hubId,
      message: { type: 'update', topic: 'model', data: { version: 3, sha256: 'a'.repeat(64) } },
    });
    expect((await control.next((m) => m.topic === 'model')).data).toEqual({
      version: 3,
      sha256: 'a'.repeat(64),
    });
    control.close();
  });

  it('tells the hub when an admin changes its senior’s rules', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const current = await cloud.api('GET', `seniors/${seniorId}/rules`, { token: admin.token });
    expect(current.status).toBe(200);
    const put = await cloud.api('PUT', `seniors/${seniorId}/rules`, {
      token: admin.token,
      body: current.body,
    });
    expect(put.status).toBe(200);
    const pushed = await control.next((m) => m.topic === 'rules');
    expect(pushed).toMatchObject({ type: 'update', data: put.body });
    control.close();
  });

  it('refuses an unknown key, and closes the socket the moment the hub is deregistered', async () => {
    await expect(cloud.hubWs(`hk_0123456789ab_${'y'.repeat(43)}`)).rejects.toMatchObject({ status: 401 });
    const doomed = await cloud.pairHub(admin.token, seniorId);
    const control = await cloud.hubWs(doomed.apiKey);
    await control.next((m) => m.topic === 'hello');
    await cloud.api('DELETE', `hubs/${doomed.hubId}`, { token: admin.token });
    expect(await control.closed).toBe(4001);
    await expect(cloud.hubWs(doomed.apiKey)).rejects.toMatchObject({
      status: 401,
      body: expect.stringContaining('HUB_REVOKED'),
    });
  });
});

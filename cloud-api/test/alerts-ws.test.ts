import { randomUUID } from 'node:crypto';
import type { Alert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('alerts reach the right staff over /ws on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let stranger: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    stranger = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    // The stranger looks after someone else.
    await cloud.assign(admin.token, await cloud.senior(admin.token, 'Someone Else'), stranger.id);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  it('pushes a pendant alert to the assigned carer and the admin, never to an unassigned staff member', async () => {
    const carerWs = await cloud.ws(carer.token, 'header');
    const strangerWs = await cloud.ws(stranger.token);
    const adminWs = await cloud.ws(admin.token);
    for (const ws of [carerWs, strangerWs, adminWs]) {
      expect((await ws.subscribe('alerts')).type).toBe('snapshot');
    }
    const alertId = randomUUID();
    const res = await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, alertId)]);
    expect(res.status).toBe(200);

    const update = await carerWs.next((m) => m.type === 'update' && m.topic === 'alerts');
    const alert = update.data as Alert;
    expect(alert).toMatchObject({ seniorId, kind: 'pendant_pressed', status: 'open', severity: 'critical' });
    expect(update.id).toBe(alert.cursor);
    await adminWs.next((m) => m.type === 'update' && (m.data as Alert).id === alert.id);

    // Give the stranger's socket every chance to (wrongly) receive it.
    await new Promise((r) => setTimeout(r, 300));
    expect(strangerWs.messages.filter((m) => m.type === 'update')).toEqual([]);
    for (const ws of [carerWs, strangerWs, adminWs]) ws.close();
  });

  it('answers subscribe with a snapshot of open alerts and resumes from a cursor without a gap', async () => {
    const ws = await cloud.ws(carer.token);
    const snapshot = await ws.subscribe('alerts');
    const { alerts, cursor } = snapshot.data as { alerts: Alert[]; cursor: number };
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.seniorId === seniorId && a.status !== 'resolved')).toBe(true);
    ws.close();
    await ws.closed;

    // While the carer is away, a new alert of another kind arrives and an old one is acknowledged.
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, randomUUID(), 'fall_suspected')]);
    const ack = await cloud.api('POST', `alerts/${alerts[0]!.id}/ack`, { token: admin.token });
    expect(ack.body.status).toBe('acknowledged');

    const back = await cloud.ws(carer.token);
    const resumed = await back.subscribe('alerts', { cursor });
    const missed = (resumed.data as { alerts: Alert[] }).alerts;
    expect(missed.map((a) => a.kind).sort()).toEqual(['fall_suspected', alerts[0]!.kind].sort());
    expect(missed.find((a) => a.id === alerts[0]!.id)?.status).toBe('acknowledged');
    back.close();
  });

  it('pushes acknowledge and resolve to the dashboards', async () => {
    const ws = await cloud.ws(carer.token);
    await ws.subscribe('alerts');
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, randomUUID(), 'door_open_at_night')]);
    const raised = (
      await ws.next((m) => m.type === 'update' && (m.data as Alert).kind === 'door_open_at_night')
    ).data as Alert;
    await cloud.api('POST', `alerts/${raised.id}/ack`, { token: carer.token });
    const acked = await ws.next(
      (m) =>
        m.type === 'update' &&
        (m.data as Alert).id === raised.id &&
        (m.data as Alert).status === 'acknowledged',
    );
    expect((acked.data as Alert).acknowledgedBy).toBe(carer.id);
    const resolved = await cloud.api('POST', `alerts/${raised.id}/resolve`, {
      token: carer.token,
      body: { note: 'door was shut' },
    });
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      resolutionNote: 'door was shut',
      resolvedBy: carer.id,
    });
    const pushed = await ws.next((m) => m.type === 'update' && (m.data as Alert).status === 'resolved');
    expect((pushed.data as Alert).cursor).toBeGreaterThan((acked.data as Alert).cursor);
    ws.close();
  });

  it('refuses a socket without a valid token before upgrading', async () => {
    await expect(cloud.ws('not-a-token')).rejects.toMatchObject({ status: 401 });
    await expect(cloud.ws('')).rejects.toMatchObject({ status: 401 });
  });

  it('answers garbage and unknown topics with an error message, and keeps the connection', async () => {
    const ws = await cloud.ws(carer.token);
    ws.socket.send('{nope');
    expect((await ws.next((m) => m.type === 'error')).data).toMatchObject({ code: 'MALFORMED_JSON' });
    const other = await ws.subscribe(`senior:${randomUUID()}`);
    expect(other).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
    ws.send({ type: 'ping', id: 7 });
    expect(await ws.next((m) => m.type === 'pong')).toMatchObject({ id: 7 });
    ws.close();
  });

  it('says shutdown to connected dashboards when the server stops', async () => {
    const extra = await cloudOn(target);
    const boss = await extra.cloud.staff('admin');
    const ws = await extra.cloud.ws(boss.token);
    await ws.subscribe('alerts');
    await extra.teardown();
    expect(ws.messages.at(-1)?.type).toBe('shutdown');
    expect(await ws.closed).toBe(1001);
  });
});

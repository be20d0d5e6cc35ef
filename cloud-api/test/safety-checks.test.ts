import type { Alert, SafetyCheck, WsEnvelope } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetyCheckStore } from '../src/safety/safety-check-store.js';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';
import type { WsTestClient } from './ws-client.js';

// A hop that does not come in time closes the check as undelivered, naming the hop that did not
// come, and the failed check becomes a critical alert. Deadlines of one second; a hub played by the test.
describe.each(databaseTargets())('safety-check deadlines on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };
  let control: WsTestClient;
  let dashboard: WsTestClient;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      env: {
        HEARTH_SAFETY_CHECK_DELIVER_SECONDS: '1',
        HEARTH_SAFETY_CHECK_SEND_SECONDS: '1',
        HEARTH_SAFETY_CHECK_ACK_SECONDS: '1',
        HEARTH_SAFETY_CHECK_RESULT_SECONDS: '1',
      },
    }));
    const admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    hub = await cloud.pairHub(admin.token, seniorId);
    control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    dashboard = await cloud.ws(carer.token);
    await dashboard.subscribe('safety-checks');
    await dashboard.subscribe('alerts');
  });
  afterAll(async () => {
    control.close();
    dashboard.close();
    await teardown();
  });

  const ask = async () => {
    const asked = await cloud.api('POST', `seniors/${seniorId}/safety-checks`, {
      token: carer.token,
      body: { room: 'kitchen' },
    });
    expect(asked.status).toBe(202);
    await control.next(
      (m) =>
        m.type === 'update' && m.topic === 'safety-checks' && (m.data as { id: string }).id === asked.body.id,
    );
    return asked.body.id as string;
  };
  const hop = (id: string, data: Record<string, unknown>) =>
    control.send({ type: 'update', topic: 'safety-checks', data: { id, ...data } });
  const closed = (id: string) => (m: WsEnvelope) =>
    m.topic === 'safety-checks' &&
    (m.data as SafetyCheck).id === id &&
    (m.data as SafetyCheck).status === 'undelivered';
  const alertFor = (id: string) => (m: WsEnvelope) =>
    m.topic === 'alerts' &&
    m.type === 'update' &&
    (m.data as Alert).evidence.some((e) => e.safetyCheckId === id);

  it('says the hub is offline when the request is never delivered, and raises a critical alert', async () => {
    const id = await ask();
    const undelivered = (await dashboard.next(closed(id), 5000)).data as SafetyCheck;
    expect(undelivered).toMatchObject({ reason: 'hub_offline', room: 'kitchen' });
    expect(undelivered.hops?.map((h) => [h.status, h.reason])).toEqual([
      ['requested', undefined],
      ['undelivered', 'hub_offline'],
    ]);
    const raised = await dashboard.next(alertFor(id), 5000);
    const alert = raised.data as Alert;
    expect(alert).toMatchObject({ kind: 'safety_check', severity: 'critical', status: 'open', seniorId });
    expect(alert.message).toMatch(/hub is offline.*Send a person/);
  });

  it('says the robot is offline when the hub has it but never sends it', async () => {
    const id = await ask();
    hop(id, { status: 'delivered' });
    const undelivered = (await dashboard.next(closed(id), 5000)).data as SafetyCheck;
    expect(undelivered.reason).toBe('robot_offline');
    expect(undelivered.hops?.map((h) => h.status)).toEqual(['requested', 'delivered', 'undelivered']);
  });

  it('says the robot did not answer when no result follows, and a late result changes nothing', async () => {
    const id = await ask();
    hop(id, { status: 'delivered' });
    hop(id, { status: 'sent', robotId: 'r1' });
    hop(id, { status: 'acknowledged' });
    hop(id, { status: 'progress', stage: 'moving', room: 'hall' });
    const undelivered = (await dashboard.next(closed(id), 5000)).data as SafetyCheck;
    expect(undelivered.reason).toBe('robot_no_answer');
    expect(undelivered.hops?.map((h) => h.status)).toEqual([
      'requested',
      'delivered',
      'sent',
      'acknowledged',
      'progress',
      'undelivered',
    ]);
    await dashboard.next(alertFor(id), 5000);
    control.send({
      type: 'update',
      topic: 'safety-checks',
      id: 'late',
      data: { id, status: 'done', outcome: 'ok' },
    });
    await control.next((m) => m.type === 'ack' && m.id === 'late');
    const read = await cloud.api('GET', `safety-checks/${id}`, { token: carer.token });
    expect(read.body).toMatchObject({ status: 'undelivered', reason: 'robot_no_answer' });
    expect(read.body.hops).toHaveLength(6);
    // A dashboard opened now sees the whole history in the snapshot.
    const late = await cloud.ws(carer.token);
    const snapshot = (await late.subscribe('safety-checks')).data as { checks: SafetyCheck[] };
    expect(snapshot.checks.find((c) => c.id === id)?.hops?.map((h) => h.status)).toEqual(
      read.body.hops.map((h: { status: string }) => h.status),
    );
    late.close();
  });

  it('closes a check once, even with several sweeps at once', async () => {
    const [row] = await cloud.sql<{ id: string }[]>`
      insert into safety_checks (senior_id, status, hops, deadline_at)
      values (${seniorId}, 'sent', '[]', now() - interval '1 second') returning id`;
    const id = row!.id;
    // Three instances' sweeps at once, besides the running cloud's own.
    const sweeps = [1, 2, 3].map(() => new SafetyCheckStore(cloud.sql));
    const closedBy = await Promise.all(sweeps.map((s) => s.closeOverdue()));
    const status = async () =>
      (await cloud.sql<{ status: string }[]>`select status from safety_checks where id = ${id}`)[0]?.status;
    await expect.poll(status, { timeout: 5000 }).toBe('undelivered');
    expect(closedBy.flat().filter((c) => c.id === id).length).toBeLessThanOrEqual(1);
    const [stored] = await cloud.sql<{ hops: { status: string; reason: string }[] }[]>`
      select hops from safety_checks where id = ${id}`;
    expect(stored!.hops.map((h) => [h.status, h.reason])).toEqual([['undelivered', 'robot_no_answer']]);
  });
});

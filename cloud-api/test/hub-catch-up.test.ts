import { randomUUID } from 'node:crypto';
import type { Alert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('a hub that was offline catches up on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
  });
  afterAll(() => teardown());

  it('learns on connecting that a carer acknowledged its alert while it was away', async () => {
    const admin = await cloud.staff('admin');
    const carer = await cloud.staff('staff');
    const seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    const hub = await cloud.pairHub(admin.token, seniorId);
    const hubAlertId = randomUUID();
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, hubAlertId)]);
    const [alert] = await cloud.sql<{ id: string }[]>`select id from alerts where hub_id = ${hub.hubId}`;
    // No control socket is open: the live ring reaches nobody.
    await cloud.api('POST', `alerts/${alert!.id}/ack`, { token: carer.token });

    const control = await cloud.hubWs(hub.apiKey);
    try {
      const update = await control.next((m) => m.topic === 'alerts');
      const told = update.data as Alert;
      expect(told).toMatchObject({
        id: alert!.id,
        status: 'acknowledged',
        acknowledgedBy: carer.id,
        acknowledgedByName: carer.name,
      });
      expect(JSON.stringify(told.evidence)).toContain(hubAlertId);
    } finally {
      control.close();
    }
  });

  it('is not told about alerts still open, nor about other seniors', async () => {
    const admin = await cloud.staff('admin');
    const seniorId = await cloud.senior(admin.token);
    const other = await cloud.senior(admin.token);
    const hub = await cloud.pairHub(admin.token, seniorId);
    const otherHub = await cloud.pairHub(admin.token, other);
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, randomUUID())]);
    await cloud.upload(otherHub.apiKey, [pendantAlert(otherHub.hubId, 1, randomUUID())]);
    const [otherAlert] = await cloud.sql<
      { id: string }[]
    >`select id from alerts where hub_id = ${otherHub.hubId}`;
    await cloud.api('POST', `alerts/${otherAlert!.id}/ack`, { token: admin.token });

    const control = await cloud.hubWs(hub.apiKey);
    try {
      await control.next((m) => m.topic === 'hello');
      await expect(control.next((m) => m.topic === 'alerts', 1000)).rejects.toThrow(/no matching message/);
    } finally {
      control.close();
    }
  });
});

// Least privilege: a technician assigned to a home sees its hubs and devices for pairing and
// diagnosis, never the senior's health information, history, alert details or video.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('what a technician sees on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let technician: { token: string; id: string };
  let carer: { token: string; id: string };
  let seniorId: string;
  let hubId: string;
  let alertId: string;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    const admin = await cloud.staff('admin');
    seniorId = (
      await cloud.api('POST', 'seniors', {
        token: admin.token,
        body: { name: 'Ada', healthInfo: { conditions: ['diabetes'] } },
      })
    ).body.id;
    technician = await cloud.staff('technician');
    carer = await cloud.staff('staff');
    await cloud.assign(admin.token, seniorId, technician.id);
    await cloud.assign(admin.token, seniorId, carer.id);
    const hub = await cloud.pairHub(technician.token, seniorId);
    hubId = hub.hubId;
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, randomUUID())]);
    const [alert] = await cloud.sql<{ id: string }[]>`select id from alerts where senior_id = ${seniorId}`;
    alertId = alert!.id;
  });
  afterAll(() => teardown());

  it('sees the home and its hubs, and pairs, but no health information', async () => {
    const hubs = await cloud.api('GET', 'hubs', { token: technician.token });
    expect(hubs.body.hubs.map((h: { id: string }) => h.id)).toContain(hubId);
    const senior = await cloud.api('GET', `seniors/${seniorId}`, { token: technician.token });
    expect(senior.status).toBe(200);
    expect(senior.body.name).toBe('Ada');
    expect(senior.body).not.toHaveProperty('healthInfo');
    const list = await cloud.api('GET', 'seniors', { token: technician.token });
    expect(JSON.stringify(list.body)).not.toContain('diabetes');
    const code = await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: technician.token });
    expect(code.status).toBe(201);
  });

  it('is refused history, alerts and video; the carer of the same senior is not', async () => {
    const paths: [string, string][] = [
      ['GET', `seniors/${seniorId}/events`],
      ['GET', `seniors/${seniorId}/activity`],
      ['GET', `seniors/${seniorId}/alerts`],
      ['GET', 'alerts'],
      ['GET', `alerts/${alertId}`],
      ['POST', `alerts/${alertId}/ack`],
      ['POST', `seniors/${seniorId}/video-sessions`],
    ];
    for (const [method, path] of paths) {
      const res = await cloud.api(method, path, { token: technician.token });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await cloud.api('GET', `seniors/${seniorId}/events`, { token: carer.token })).status).toBe(200);
    expect((await cloud.api('GET', `alerts/${alertId}`, { token: carer.token })).status).toBe(200);
    const senior = await cloud.api('GET', `seniors/${seniorId}`, { token: carer.token });
    expect(senior.body.healthInfo).toEqual({ conditions: ['diabetes'] });
  });

  it('on a live dashboard: hubs and seniors without health information, never alerts or live events', async () => {
    const ws = await cloud.ws(technician.token);
    try {
      for (const topic of ['alerts', `senior:${seniorId}`, 'safety-checks']) {
        const answer = await ws.subscribe(topic);
        expect(answer.type, topic).toBe('error');
        expect((answer.data as { code: string }).code).toBe('FORBIDDEN');
      }
      expect((await ws.subscribe('hubs')).type).toBe('snapshot');
      const seniors = await ws.subscribe('seniors');
      expect(seniors.type).toBe('snapshot');
      expect(JSON.stringify(seniors.data)).toContain('Ada');
      expect(JSON.stringify(seniors.data)).not.toContain('diabetes');
    } finally {
      ws.close();
    }
  });
});

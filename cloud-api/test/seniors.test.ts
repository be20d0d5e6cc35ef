import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('seniors and their history on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };
  const hour = (h: number, m = 0) => new Date(Date.UTC(2026, 10, 20, h, m)).toISOString();

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token, 'Edith');
    await cloud.assign(admin.token, seniorId, carer.id);
    hub = await cloud.pairHub(admin.token, seniorId);
    await cloud.upload(hub.apiKey, [
      reading(hub.hubId, 1, { ts: hour(7, 5), sensorId: 'pir-kitchen', room: 'kitchen' }),
      reading(hub.hubId, 2, { ts: hour(7, 40), sensorId: 'pir-kitchen', room: 'kitchen' }),
      reading(hub.hubId, 3, { ts: hour(9, 15), sensorId: 'pir-bath', room: 'bathroom' }),
      reading(hub.hubId, 4, { ts: hour(9, 20), sensorId: 'temp-bath', kind: 'temperature', value: 23 }),
    ]);
  });
  afterAll(() => teardown());

  it('lets an admin change a senior, and refuses nonsense precisely', async () => {
    const changed = await cloud.api('PATCH', `seniors/${seniorId}`, {
      token: admin.token,
      body: { address: '1 Elm Row', healthInfo: { mobility: 'walker' } },
    });
    expect(changed.body).toMatchObject({
      name: 'Edith',
      address: '1 Elm Row',
      healthInfo: { mobility: 'walker' },
    });
    const bad = await cloud.api('PATCH', `seniors/${seniorId}`, {
      token: admin.token,
      body: { timezone: 'Mars/Olympus' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0]).toMatchObject({ path: 'timezone' });
    const empty = await cloud.api('PATCH', `seniors/${seniorId}`, { token: admin.token, body: {} });
    expect(empty.status).toBe(400);
    const byCarer = await cloud.api('PATCH', `seniors/${seniorId}`, {
      token: carer.token,
      body: { name: 'X' },
    });
    expect(byCarer.status).toBe(403);
    const badId = await cloud.api('GET', 'seniors/not-a-uuid', { token: carer.token });
    expect(badId.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('reads back events in a time range, by sensor', async () => {
    const all = await cloud.api('GET', `seniors/${seniorId}/events?from=${hour(0)}&to=${hour(12)}`, {
      token: carer.token,
    });
    expect(all.body.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
    const kitchen = await cloud.api(
      'GET',
      `seniors/${seniorId}/events?from=${hour(0)}&to=${hour(12)}&sensor=pir-kitchen`,
      {
        token: carer.token,
      },
    );
    expect(kitchen.body.events).toHaveLength(2);
    expect(kitchen.body.events[0]).toMatchObject({
      hubId: hub.hubId,
      room: 'kitchen',
      kind: 'motion',
      value: true,
    });
    const backwards = await cloud.api('GET', `seniors/${seniorId}/events?from=${hour(12)}&to=${hour(0)}`, {
      token: carer.token,
    });
    expect(backwards.status).toBe(400);
    // Without bounds: the latest events, oldest first, up to the limit (a hub clock running ahead included).
    const latest = await cloud.api('GET', `seniors/${seniorId}/events?limit=2`, { token: carer.token });
    expect(latest.body.events.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
    expect(latest.body.truncated).toBe(true);
    const earliest = await cloud.api('GET', `seniors/${seniorId}/events?from=${hour(0)}&limit=2`, {
      token: carer.token,
    });
    expect(earliest.body.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
  });

  it('summarises activity per hour and per day', async () => {
    const hourly = await cloud.api('GET', `seniors/${seniorId}/activity?from=${hour(0)}&to=${hour(12)}`, {
      token: carer.token,
    });
    expect(hourly.body.buckets).toEqual([
      { bucket: hour(7), sensorId: 'pir-kitchen', events: 2, activeEvents: 2 },
      { bucket: hour(9), sensorId: 'pir-bath', events: 1, activeEvents: 1 },
      { bucket: hour(9), sensorId: 'temp-bath', events: 1, activeEvents: 0 },
    ]);
    const daily = await cloud.api(
      'GET',
      `seniors/${seniorId}/activity?from=${hour(0)}&to=${hour(23)}&bucket=1d`,
      {
        token: carer.token,
      },
    );
    expect(
      daily.body.buckets.map((b: { events: number }) => b.events).reduce((a: number, b: number) => a + b),
    ).toBe(4);
    const bad = await cloud.api('GET', `seniors/${seniorId}/activity?bucket=5m`, { token: carer.token });
    expect(bad.body.error.details.issues[0].path).toBe('bucket');
  });
});

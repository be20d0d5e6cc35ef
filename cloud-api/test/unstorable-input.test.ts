// Input the JSON wire can carry but PostgreSQL cannot store: each is refused at the edge with a
// precise 400 naming the field, never a 500, and nothing of a refused batch is stored.
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import type { AppEnv } from '../src/http/env.js';
import { cloudOn, type Loose, pendantAlert, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';
/** `{"a":{"a":…}}` nested `depth` times, as raw JSON text (JSON.stringify would recurse as deep). */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(databaseTargets())('unstorable input on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: { token: string };
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    seniorId = await cloud.senior(admin.token);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  const refused = (res: { status: number; body: Loose }, path: string, message: RegExp) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const issue = res.body.error.details.issues.find((i: { path: string }) => i.path === path);
    expect(issue, JSON.stringify(res.body.error.details.issues)).toBeDefined();
    expect(issue.message).toMatch(message);
  };

  it('refuses NUL and lone surrogates in a senior, and JSON nested thousands deep in health info', async () => {
    const create = (body: unknown) => cloud.api('POST', 'seniors', { token: admin.token, body });
    refused(await create({ name: NUL }), 'name', /NUL/);
    refused(await create({ name: 'Ada', address: LONE }), 'address', /surrogate/);
    refused(await create({ name: 'Ada', healthInfo: { notes: LONE } }), 'healthInfo', /surrogate/);
    refused(await create({ name: 'Ada', healthInfo: { [NUL]: 1 } }), 'healthInfo', /NUL/);
    const deep = await cloud.api('POST', 'seniors', {
      token: admin.token,
      body: `{"name":"Ada","healthInfo":${deepJson(5000)}}`,
    });
    refused(deep, 'healthInfo', /nested deeper than 32/);
    const patch = await cloud.api('PATCH', `seniors/${seniorId}`, {
      token: admin.token,
      body: { healthInfo: { a: NUL } },
    });
    refused(patch, 'healthInfo', /NUL/);
    const staffName = await cloud.api('POST', 'staff', {
      token: admin.token,
      body: { email: 'nul@test.hearth', name: NUL, role: 'staff', password: 'long-enough-pw' },
    });
    refused(staffName, 'name', /NUL/);
  });

  it('refuses an upload with NUL, a lone surrogate, an unstorable timestamp or deep evidence, storing nothing', async () => {
    const upload = (extra: Loose, seq = 1) => cloud.upload(hub.apiKey, [reading(hub.hubId, seq, extra)]);
    refused(await upload({ sensorId: NUL }), 'events.0.sensorId', /NUL/);
    refused(await upload({ room: NUL }), 'events.0.room', /NUL/);
    refused(await upload({ bootId: LONE }), 'events.0.bootId', /surrogate/);
    refused(await upload({ value: LONE }), 'events.0.value', /surrogate/);
    refused(await upload({ ts: '0000-06-01T00:00:00Z' }), 'events.0.ts', /year 0000/);
    refused(await upload({ ts: '2026-06-01T00:00:00+16:00' }), 'events.0.ts', /±15:59/);
    refused(await upload({ ts: '2026-06-01T00:00:00-23:59' }), 'events.0.ts', /±15:59/);
    const alert = pendantAlert(hub.hubId, 1, randomUUID());
    const deepEvidence = JSON.stringify({ events: [alert] }).replace(
      '[{"sensorId":"pendant"}]',
      `[${deepJson(3000)}]`,
    );
    const deep = await cloud.api('POST', 'hub/events', {
      token: hub.apiKey,
      body: deepEvidence,
      headers: { 'hearth-protocol': '1' },
    });
    refused(deep, 'events.0.alert.evidence.0', /nested deeper/);
    expect(await cloud.storedSeqs(hub.hubId)).toEqual([]);
    // The edge of what PostgreSQL holds is still accepted.
    const edge = await upload({ ts: '0001-01-01T00:00:00+15:59', value: 'ok 😀' });
    expect(edge.body).toEqual({ ackedThroughSeq: 1 });
  });

  it('refuses unstorable from/to/since and sensor query parameters', async () => {
    const get = (path: string) => cloud.api('GET', path, { token: admin.token });
    const q = (s: string) => encodeURIComponent(s);
    refused(await get(`seniors/${seniorId}/events?sensor=${q(NUL)}`), 'sensor', /NUL/);
    refused(await get(`seniors/${seniorId}/events?from=${q('0000-01-01T00:00:00Z')}`), 'from', /year 0000/);
    refused(await get(`seniors/${seniorId}/events?to=${q('2026-01-01T00:00:00+20:00')}`), 'to', /±15:59/);
    refused(await get(`seniors/${seniorId}/activity?from=${q('0000-01-01T00:00:00Z')}`), 'from', /year 0000/);
    refused(await get(`alerts?since=${q('0000-01-01T00:00:00Z')}`), 'since', /year 0000/);
    refused(
      await get(`seniors/${seniorId}/alerts?since=${q('2026-01-01T00:00:00-16:30')}`),
      'since',
      /±15:59/,
    );
  });

  it('refuses a claim with a NUL in the device id', async () => {
    const code = await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: admin.token });
    const claim = await cloud.api('POST', 'hubs/claim', { body: { code: code.body.code, deviceId: NUL } });
    refused(claim, 'deviceId', /NUL/);
  });

  it('answers any remaining PostgreSQL data error (SQLSTATE class 22) as 400 VALIDATION_FAILED', async () => {
    const probe = new Hono<AppEnv>();
    probe.get('/probe/:value', async (c) => {
      await cloud.sql`select ${c.req.param('value')}::timestamptz`;
      return c.json({ ok: true });
    });
    const app = createApp(cloud.cloud.deps, { apiRoutes: [probe] });
    const res = await app.request('/api/v1/probe/0000-01-01');
    expect(res.status).toBe(400);
    const body = (await res.json()) as Loose;
    expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { sqlstate: '22008' } });
    // A programming error is still a 500 that says nothing of its cause.
    const broken = new Hono<AppEnv>();
    broken.get('/broken', async () => {
      await cloud.sql`select * from no_such_table`;
      return new Response();
    });
    const app2 = createApp(cloud.cloud.deps, { apiRoutes: [broken] });
    const five = await app2.request('/api/v1/broken');
    expect(five.status).toBe(500);
  });
});

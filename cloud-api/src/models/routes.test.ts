import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelAvailable, type SensorEvent, simulateDays } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCloud } from '../../test/harness.js';
import { createApp } from '../app.js';
import { HubStore } from '../hubs/hub-store.js';
import { FIXTURE_DIR } from './fixtures.js';
import { MemoryObjectStore } from './object-store.js';
import { ModelRegistry } from './registry.js';
import { modelRoutes } from './routes.js';

const DAY = 86_400_000;
const month = Date.UTC(2026, 0, 5);
const now = new Date(month + 28 * DAY + 3600_000);
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
const read = async (res: Response): Promise<any> => res.json();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('model routes: train, register, activate, roll back, deliver to the hub', () => {
  let cloud: TestCloud;
  let app: ReturnType<typeof createApp>;
  let admin: string;
  let staff: string;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };
  const notices: { seniorId: string; notice: ModelAvailable }[] = [];

  beforeAll(async () => {
    cloud = await TestCloud.start({ now: () => now });
    const deps = cloud.cloud.deps;
    app = createApp(deps);
    const registry = new ModelRegistry(deps.sql, new MemoryObjectStore());
    app.route(
      '/api/v1',
      modelRoutes(deps, {
        registry,
        hubs: new HubStore(deps.sql, deps.now),
        notifyHub: async (s, notice) => {
          notices.push({ seniorId: s, notice });
        },
      }),
    );
    admin = (await cloud.staff('admin')).token;
    staff = (await cloud.staff('staff')).token;
    seniorId = await cloud.senior(admin);
    hub = await cloud.pairHub(admin, seniorId);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  const call = (
    method: string,
    path: string,
    opts: { token?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: { ...(opts.token && { authorization: `Bearer ${opts.token}` }), ...opts.headers },
      ...(opts.body !== undefined && { body: opts.body }),
    });
  const json = { 'content-type': 'application/json' };

  it('refuses to train before there is a week of history', async () => {
    const res = await call('POST', `/seniors/${seniorId}/models/train`, { token: admin });
    expect(res.status).toBe(409);
    expect((await read(res)).error).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'NOT_ENOUGH_HISTORY' },
    });
  });

  it('trains from the uploaded month, activates it, tells the hub, and the hub downloads it by ETag', async () => {
    const routine = simulateDays(month, 28, 7).filter((e) => e.kind === 'motion' || e.kind === 'contact');
    const events: SensorEvent[] = routine.map((e, i) => ({
      hubId: hub.hubId,
      seq: i + 1,
      ts: new Date(e.ts).toISOString(),
      sensorId: e.sensorId,
      kind: e.kind,
      value: e.value,
      ...(e.room && { room: e.room }),
    }));
    for (let i = 0; i < events.length; i += 1000) {
      expect((await cloud.upload(hub.apiKey, events.slice(i, i + 1000))).status).toBe(200);
    }

    const trained = await call('POST', `/seniors/${seniorId}/models/train`, {
      token: admin,
      headers: json,
      body: JSON.stringify({ days: 28 }),
    });
    expect(trained.status).toBe(201);
    const { model, activated } = await read(trained);
    expect(activated).toBe(true);
    expect(model).toMatchObject({ version: 1, active: true, source: 'trained' });
    expect(model.featureSpec.rooms).toEqual(['bathroom', 'bedroom', 'entrance', 'kitchen', 'living']);
    expect(notices).toEqual([{ seniorId, notice: { version: 1, sha256: model.sha256 } }]);

    const download = await call('GET', '/hub/model', { token: hub.apiKey });
    expect(download.status).toBe(200);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(sha(bytes)).toBe(model.sha256);
    expect(download.headers.get('etag')).toBe(`"${model.sha256}"`);
    expect(download.headers.get('hearth-model-version')).toBe('1');

    const again = await call('GET', '/hub/model', {
      token: hub.apiKey,
      headers: { 'if-none-match': `"${model.sha256}"` },
    });
    expect(again.status).toBe(304);
  });

  it('registers an uploaded model, refuses files that are not models, and rolls back', async () => {
    const file = readFileSync(join(FIXTURE_DIR, 'routine.onnx'));
    const octet = { 'content-type': 'application/octet-stream' };
    const up = await call('POST', `/seniors/${seniorId}/models?activate=true`, {
      token: admin,
      headers: octet,
      body: file,
    });
    expect(up.status).toBe(201);
    expect((await read(up)).model).toMatchObject({
      version: 2,
      source: 'uploaded',
      active: true,
      sha256: sha(file),
    });
    expect((await call('GET', '/hub/model', { token: hub.apiKey })).headers.get('hearth-model-version')).toBe(
      '2',
    );

    const junk = await call('POST', `/seniors/${seniorId}/models`, {
      token: admin,
      headers: octet,
      body: 'not a model',
    });
    expect(junk.status).toBe(400);
    expect((await read(junk)).error.message).toMatch(/ONNX|hearth.format/);
    const wrongType = await call('POST', `/seniors/${seniorId}/models`, {
      token: admin,
      headers: json,
      body: '{}',
    });
    expect(wrongType.status).toBe(415);

    const back = await call('POST', `/seniors/${seniorId}/models/rollback`, { token: admin });
    expect(back.status).toBe(200);
    expect((await read(back)).version).toBe(1);
    expect((await call('GET', '/hub/model', { token: hub.apiKey })).headers.get('hearth-model-version')).toBe(
      '1',
    );
    expect(notices.map((n) => n.notice.version)).toEqual([1, 2, 1]);
  });

  it('records a hub rejecting a model, visible to admins', async () => {
    const active = await read(await call('GET', `/seniors/${seniorId}/models/active`, { token: admin }));
    const report = {
      version: active.version,
      sha256: active.sha256,
      status: 'rejected',
      reason: 'probe scored NaN',
    };
    const res = await call('POST', '/hub/model/status', {
      token: hub.apiKey,
      headers: json,
      body: JSON.stringify(report),
    });
    expect(res.status).toBe(200);
    const list = await read(await call('GET', `/seniors/${seniorId}/models`, { token: admin }));
    expect(list.activeVersion).toBe(1);
    expect(list.models.find((m: { version: number }) => m.version === 1)).toMatchObject({
      hubStatus: 'rejected',
      hubStatusReason: 'probe scored NaN',
    });
    const bad = await call('POST', '/hub/model/status', {
      token: hub.apiKey,
      headers: json,
      body: '{"version":1}',
    });
    expect(bad.status).toBe(400);
  });

  it('answers precisely to the wrong caller, senior or version', async () => {
    expect((await call('GET', `/seniors/${seniorId}/models`, { token: staff })).status).toBe(403);
    expect((await call('GET', `/seniors/${seniorId}/models`)).status).toBe(401);
    expect((await call('GET', '/hub/model', { token: 'hk_nonsense' })).status).toBe(401);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('GET', `/seniors/${unknown}/models`, { token: admin })).status).toBe(404);
    expect((await call('POST', `/seniors/${seniorId}/models/99/activate`, { token: admin })).status).toBe(
      404,
    );
    const badVersion = await call('POST', `/seniors/${seniorId}/models/zero/activate`, { token: admin });
    expect(badVersion.status).toBe(400);
    expect((await call('GET', `/seniors/not-a-uuid/models`, { token: admin })).status).toBe(400);
  });
});

import type { RulesConfig } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCloud } from '../../test/harness.js';
import { createApp } from '../app.js';
import { rulesRoutes } from './rules-routes.js';
import { SeniorRulesStore } from './rules-store.js';

describe('a senior’s rule settings', () => {
  let cloud: TestCloud;
  let app: ReturnType<typeof createApp>;
  let admin: string;
  let carer: { id: string; token: string };
  let stranger: string;
  let seniorId: string;
  const changed: { seniorId: string; rules: RulesConfig }[] = [];

  beforeAll(async () => {
    cloud = await TestCloud.start();
    app = createApp(cloud.cloud.deps);
    app.route(
      '/api/v1',
      rulesRoutes(cloud.cloud.deps, {
        onRulesChanged: async (s, rules) => {
          changed.push({ seniorId: s, rules });
        },
      }),
    );
    admin = (await cloud.staff('admin')).token;
    carer = await cloud.staff('staff');
    stranger = (await cloud.staff('staff')).token;
    seniorId = await cloud.senior(admin);
    await cloud.assign(admin, seniorId, carer.id);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });

  it('starts from the defaults in the senior’s time zone', async () => {
    const res = await call('GET', `/seniors/${seniorId}/rules`, carer.token);
    expect(res.status).toBe(200);
    const rules = (await res.json()) as RulesConfig;
    expect(rules.timezone).toBe('Europe/Berlin');
    expect(rules.bathroom.maxMinutes).toBe(45);
  });

  it('lets an admin tune a rule, keeps the rest default, and tells the hub', async () => {
    const res = await call('PUT', `/seniors/${seniorId}/rules`, admin, {
      bathroom: { maxMinutes: 30 },
      wake: { usualTime: '06:30' },
      timezone: 'UTC',
    });
    expect(res.status).toBe(200);
    const rules = (await res.json()) as RulesConfig;
    expect(rules.bathroom.maxMinutes).toBe(30);
    expect(rules.wake.usualTime).toBe('06:30');
    expect(rules.inactivity.awakeMaxMinutes).toBe(180);
    // The time zone is the senior's, never a rule setting.
    expect(rules.timezone).toBe('Europe/Berlin');
    expect(changed.at(-1)?.rules.bathroom.maxMinutes).toBe(30);
    expect((await new SeniorRulesStore(cloud.sql).forSenior(seniorId))?.bathroom.maxMinutes).toBe(30);
  });

  it('names the bad setting and stores nothing', async () => {
    const res = await call('PUT', `/seniors/${seniorId}/rules`, admin, { wake: { usualTime: '7am' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('wake.usualTime');
    expect((await new SeniorRulesStore(cloud.sql).forSenior(seniorId))?.wake.usualTime).toBe('06:30');
  });

  it('keeps other carers’ seniors out of sight and settings to admins', async () => {
    expect((await call('GET', `/seniors/${seniorId}/rules`, stranger)).status).toBe(404);
    expect((await call('PUT', `/seniors/${seniorId}/rules`, carer.token, {})).status).toBe(403);
    expect((await call('PUT', '/seniors/00000000-0000-4000-8000-000000000000/rules', admin, {})).status).toBe(
      404,
    );
  });
});

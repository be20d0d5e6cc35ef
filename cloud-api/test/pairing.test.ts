import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('pairing a hub on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    seniorId = await cloud.senior(admin.token, 'Grace Home');
  });
  afterAll(() => teardown());

  it('gives a technician a short code that a hub claims once for its config', async () => {
    const tech = await cloud.staff('technician');
    await cloud.assign(admin.token, seniorId, tech.id);
    const code = await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: tech.token });
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    const minutes = (Date.parse(code.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    // Typed in lower case without the dash, as a technician might.
    const typed = code.body.code.replace('-', '').toLowerCase();
    const claim = await cloud.api('POST', 'hubs/claim', { body: { code: typed, deviceId: 'pi-0001' } });
    expect(claim.status).toBe(201);
    expect(claim.body).toMatchObject({ seniorId });
    const config = await cloud.api('GET', 'hub/config', { token: claim.body.apiKey });
    expect(config.body).toMatchObject({
      hubId: claim.body.hubId,
      seniorId,
      seniorName: 'Grace Home',
      timezone: 'Europe/Berlin',
    });
    // A hub nobody has tuned runs the default rules, in the home's own time zone.
    expect(config.body.rules).toMatchObject({ timezone: 'Europe/Berlin', pendant: { enabled: true } });

    const again = await cloud.api('POST', 'hubs/claim', { body: { code: typed, deviceId: 'pi-0002' } });
    expect(again.status).toBe(404);
  });

  it('hands out exactly one key when claims of one code race', async () => {
    const code = await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: admin.token });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        cloud.api('POST', 'hubs/claim', { body: { code: code.body.code, deviceId: `race-${i}` } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 404)).toHaveLength(4);
  });

  it('refuses pairing codes to plain staff and to anyone for a senior they do not see', async () => {
    const staff = await cloud.staff('staff');
    const tech = await cloud.staff('technician');
    await cloud.assign(admin.token, seniorId, staff.id);
    expect(
      (await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: staff.token })).status,
    ).toBe(403);
    expect((await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: tech.token })).status).toBe(
      404,
    );
  });

  it('rotating a key retires the old one at once', async () => {
    const hub = await cloud.pairHub(admin.token, seniorId);
    const rotated = await cloud.api('POST', `hubs/${hub.hubId}/rotate-key`, { token: admin.token });
    expect(rotated.status).toBe(200);
    expect((await cloud.upload(hub.apiKey, [reading(hub.hubId, 1)])).status).toBe(401);
    expect((await cloud.upload(rotated.body.apiKey, [reading(hub.hubId, 1)])).body).toEqual({
      ackedThroughSeq: 1,
    });
  });

  it('rate-limits guessing', async () => {
    // Earlier tests in this suite already spent part of this address's budget of 10 a minute.
    const answers = [];
    for (let i = 0; i < 11; i++) {
      answers.push(
        await cloud.api('POST', 'hubs/claim', { body: { code: 'ZZZZ-ZZZZ', deviceId: 'guesser' } }),
      );
    }
    const last = answers.at(-1)!;
    expect(answers.every((a) => a.status === 404 || a.status === 429)).toBe(true);
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

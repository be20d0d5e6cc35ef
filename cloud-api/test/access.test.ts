import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

type Ids = { senior: string; alert: string; hub: string; check: string };
type Route = [method: string, path: (ids: Ids) => string, body?: unknown];

/** Every staff route that names a resource. A new route with `:id` must be added here (checked below). */
const ROUTES: Route[] = [
  ['GET', (i) => `seniors/${i.senior}`],
  ['PATCH', (i) => `seniors/${i.senior}`, { name: 'Renamed' }],
  ['GET', (i) => `seniors/${i.senior}/events`],
  ['GET', (i) => `seniors/${i.senior}/activity`],
  ['GET', (i) => `seniors/${i.senior}/alerts`],
  ['POST', (i) => `seniors/${i.senior}/staff`, { staffId: randomUUID() }],
  ['POST', (i) => `seniors/${i.senior}/pairing-codes`],
  ['POST', (i) => `seniors/${i.senior}/safety-checks`],
  ['POST', (i) => `seniors/${i.senior}/video-sessions`],
  ['GET', (i) => `safety-checks/${i.check}`],
  ['GET', (i) => `alerts/${i.alert}`],
  ['POST', (i) => `alerts/${i.alert}/ack`],
  ['POST', (i) => `alerts/${i.alert}/resolve`, { note: 'not mine' }],
  ['DELETE', (i) => `hubs/${i.hub}`],
  ['POST', (i) => `hubs/${i.hub}/rotate-key`],
];

describe.each(databaseTargets())("someone else's senior is invisible on $name", (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let foreign: Ids;
  const outsiders: Record<string, string> = {};

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    const admin = await cloud.staff('admin');
    const senior = await cloud.senior(admin.token, 'Private Person');
    const carer = await cloud.staff('staff');
    await cloud.assign(admin.token, senior, carer.id);
    const hub = await cloud.pairHub(admin.token, senior);
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, randomUUID())]);
    const [alert] = await cloud.sql<{ id: string }[]>`select id from alerts where senior_id = ${senior}`;
    const check = await cloud.api('POST', `seniors/${senior}/safety-checks`, { token: carer.token });
    foreign = { senior, alert: alert!.id, hub: hub.hubId, check: check.body.id };

    // Outsiders of every non-admin role, each with a senior of their own.
    const other = await cloud.senior(admin.token, 'Their Own');
    for (const role of ['staff', 'technician'] as const) {
      const who = await cloud.staff(role);
      await cloud.assign(admin.token, other, who.id);
      outsiders[role] = who.token;
    }
  });
  afterAll(() => teardown());

  it('the sweep covers every staff route that takes an id', () => {
    const swept = new Set(
      ROUTES.map(([m, p]) => `${m} /api/v1/${p({ senior: ':id', alert: ':id', hub: ':id', check: ':id' })}`),
    );
    const withIds = cloud.cloud.app.routes
      .filter((r) => r.path.includes(':id') && r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`);
    expect(withIds.length).toBeGreaterThan(10);
    for (const route of withIds) expect(swept, `${route} is not in the access sweep`).toContain(route);
  });

  for (const role of ['staff', 'technician']) {
    it.each(
      ROUTES.map(
        (r) =>
          [
            `${r[0]} ${r[1]({ senior: ':senior', alert: ':alert', hub: ':hub', check: ':check' })}`,
            r,
          ] as const,
      ),
    )(
      `${role}: %s answers 404, exactly as for an id that does not exist`,
      async (_name, [method, path, body]) => {
        const token = outsiders[role]!;
        const theirs = await cloud.api(method, path(foreign), { token, ...(body !== undefined && { body }) });
        const none = { senior: randomUUID(), alert: randomUUID(), hub: randomUUID(), check: randomUUID() };
        const absent = await cloud.api(method, path(none), { token, ...(body !== undefined && { body }) });
        expect(theirs.status).toBe(404);
        expect(theirs.body.error.code).toBe('NOT_FOUND');
        expect(theirs.body).toEqual(absent.body);
      },
    );
  }

  it('left everything as it was, and wrote the denials to the audit log', async () => {
    const [alert] = await cloud.sql`select status from alerts where id = ${foreign.alert}`;
    expect(alert?.status).toBe('open');
    const [hub] = await cloud.sql`select status from hubs where id = ${foreign.hub}`;
    expect(hub?.status).toBe('active');
    const [senior] = await cloud.sql`select name from seniors where id = ${foreign.senior}`;
    expect(senior?.name).toBe('Private Person');
    const denied = await cloud.sql<{ action: string }[]>`
      select action from audit_log where outcome = 'denied' and target_id = ${foreign.senior}`;
    expect(denied.map((d) => d.action)).toEqual(
      expect.arrayContaining([
        'senior.read',
        'senior.events.read',
        'senior.activity.read',
        'senior.alerts.read',
      ]),
    );
  });

  it('lists show nothing of theirs either', async () => {
    const token = outsiders.staff!;
    const seniors = await cloud.api('GET', 'seniors', { token });
    expect(seniors.body.seniors.map((s: { id: string }) => s.id)).not.toContain(foreign.senior);
    const alerts = await cloud.api('GET', 'alerts', { token });
    expect(alerts.body.alerts).toEqual([]);
    const hubs = await cloud.api('GET', 'hubs', { token });
    expect(hubs.body.hubs).toEqual([]);
  });

  it('the live topic of their senior answers not found too', async () => {
    const ws = await cloud.ws(outsiders.staff!);
    const answer = await ws.subscribe(`senior:${foreign.senior}`);
    expect(answer).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
    ws.close();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

type Ids = { senior: string; alert: string; hub: string; check: string; staff: string };
/** [method, path template, body?, admin only?]. Placeholders: :senior :alert :hub :check :staff :version. */
type Route = [method: string, template: string, body?: unknown, adminOnly?: boolean];

/** Every staff route that names a resource. A new route with `:id` must be added here (checked below). */
const ROUTES: Route[] = [
  ['GET', 'seniors/:senior'],
  ['PATCH', 'seniors/:senior', { name: 'Renamed' }],
  ['GET', 'seniors/:senior/events'],
  ['GET', 'seniors/:senior/activity'],
  ['GET', 'seniors/:senior/alerts'],
  ['POST', 'seniors/:senior/staff', { staffId: randomUUID() }],
  ['POST', 'seniors/:senior/pairing-codes'],
  ['POST', 'seniors/:senior/safety-checks'],
  ['POST', 'seniors/:senior/video-sessions'],
  ['PUT', 'seniors/:senior/video-consent', { consent: true }],
  ['GET', 'seniors/:senior/rules'],
  ['PUT', 'seniors/:senior/rules', {}, true],
  ['GET', 'seniors/:senior/models', undefined, true],
  ['GET', 'seniors/:senior/models/active', undefined, true],
  ['POST', 'seniors/:senior/models/train', {}, true],
  ['POST', 'seniors/:senior/models', undefined, true],
  ['GET', 'seniors/:senior/models/:version/file', undefined, true],
  ['POST', 'seniors/:senior/models/:version/activate', undefined, true],
  ['POST', 'seniors/:senior/models/rollback', undefined, true],
  ['GET', 'safety-checks/:check'],
  ['GET', 'alerts/:alert'],
  ['GET', 'alerts/:alert/history'],
  ['GET', 'alerts/:alert/deliveries'],
  ['POST', 'alerts/:alert/ack'],
  ['POST', 'alerts/:alert/resolve', { note: 'not mine' }],
  ['DELETE', 'hubs/:hub'],
  ['POST', 'hubs/:hub/rotate-key'],
  ['PATCH', 'staff/:staff', { disabled: true }, true],
  ['POST', 'staff/:staff/unlock', undefined, true],
  ['GET', 'releases', undefined, true],
  ['POST', 'releases', undefined, true],
  ['GET', 'releases/hubs', undefined, true],
  ['POST', 'releases/:version/rollout', { percent: 100 }, true],
];

/** Care information technicians never see, whoever's senior it is (least privilege): always 403. */
const CARE_ONLY = new Set([
  'seniors/:senior/events',
  'seniors/:senior/activity',
  'seniors/:senior/alerts',
  'seniors/:senior/video-sessions',
  'alerts/:alert',
  'alerts/:alert/history',
  'alerts/:alert/deliveries',
  'alerts/:alert/ack',
  'alerts/:alert/resolve',
]);

const fill = (template: string, ids: Ids) =>
  template
    .replace(':senior', ids.senior)
    .replace(':alert', ids.alert)
    .replace(':hub', ids.hub)
    .replace(':check', ids.check)
    .replace(':staff', ids.staff)
    .replace(':version', '1');

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
    // Stored directly: asking for one needs the hub's control socket, beside the point here.
    const [check] = await cloud.sql<{ id: string }[]>`
      insert into safety_checks (senior_id, requested_by) values (${senior}, ${carer.id}) returning id`;
    foreign = { senior, alert: alert!.id, hub: hub.hubId, check: check!.id, staff: carer.id };

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
      ROUTES.map(([m, t]) => `${m} /api/v1/${t.replace(/:(senior|alert|hub|check|staff)\b/, ':id')}`),
    );
    // `/me/…` routes address the caller's own things (push devices): another person's id is
    // refused there as unknown, which the notification suite asserts (notify-push.test.ts).
    const withIds = cloud.cloud.app.routes
      .filter((r) => r.path.includes(':id') && r.method !== 'ALL' && !r.path.startsWith('/api/v1/me/'))
      .map((r) => `${r.method} ${r.path}`);
    expect(withIds.length).toBeGreaterThan(10);
    for (const route of withIds) expect(swept, `${route} is not in the access sweep`).toContain(route);
  });

  for (const role of ['staff', 'technician']) {
    it.each(ROUTES.map((r) => [`${r[0]} ${r[1]}`, r] as const))(
      `${role}: %s answers exactly as for an id that does not exist (404, or 403 where the role may never go)`,
      async (_name, [method, template, body, adminOnly]) => {
        const token = outsiders[role]!;
        const send = (ids: Ids) =>
          cloud.api(method, fill(template, ids), { token, ...(body !== undefined && { body }) });
        const theirs = await send(foreign);
        const absent = await send({
          senior: randomUUID(),
          alert: randomUUID(),
          hub: randomUUID(),
          check: randomUUID(),
          staff: randomUUID(),
        });
        const forbidden = adminOnly || (role === 'technician' && CARE_ONLY.has(template));
        expect(theirs.status).toBe(forbidden ? 403 : 404);
        expect(theirs.body.error.code).toBe(forbidden ? 'FORBIDDEN' : 'NOT_FOUND');
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
    const reads = await cloud.sql<{ action: string }[]>`
      select distinct action from audit_log where action in ('senior.list', 'alerts.list')`;
    expect(reads.map((r) => r.action).sort()).toEqual(['alerts.list', 'senior.list']);
  });

  it('the token routes of notifications act on nothing without a token the cloud signed', async () => {
    for (const path of ['notify/seen', 'notify/push-receipt', 'notify/ack-by-token']) {
      const forged = await cloud.api('POST', path, { body: { token: 'eyJhbGciOiJub25lIn0.forged-sig' } });
      expect([path, forged.status, forged.body.error.message]).toEqual([path, 400, 'this link is not valid']);
      const missing = await cloud.api('POST', path, { body: {} });
      expect([path, missing.status, missing.body.error.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
    }
    const [row] =
      await cloud.sql`select count(*)::int as n from notify_deliveries where status in ('delivered', 'seen')`;
    expect(row?.n).toBe(0);
  });

  it('the live topic of their senior answers not found too', async () => {
    const ws = await cloud.ws(outsiders.staff!);
    const answer = await ws.subscribe(`senior:${foreign.senior}`);
    expect(answer).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
    ws.close();
  });
});

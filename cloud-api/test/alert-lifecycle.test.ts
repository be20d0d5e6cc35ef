import { randomUUID } from 'node:crypto';
import type { Alert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertUpdate } from '../src/realtime/staff-sockets.js';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('alert lifecycle on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let primary: Awaited<ReturnType<TestCloud['staff']>>;
  let backup: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;
  const raise = (kind: string, ts?: string) => {
    const event = pendantAlert(hub.hubId, ++seq, randomUUID(), kind);
    return cloud.upload(hub.apiKey, [{ ...event, ...(ts && { ts }) }]);
  };
  const alertsOf = (kind: string) =>
    cloud.sql<{ id: string; occurrences: number; status: string; escalation_level: number }[]>`
      select id, occurrences, status, escalation_level from alerts where senior_id = ${seniorId} and kind = ${kind}
      order by created_at`;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      env: { HEARTH_ESCALATION_SECONDS: '1', HEARTH_ALERT_DEDUPE_SECONDS: '120' },
      escalationTickMs: 100,
    }));
    admin = await cloud.staff('admin');
    primary = await cloud.staff('staff');
    backup = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, primary.id);
    await cloud.assign(admin.token, seniorId, backup.id);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  it('folds a repeat of the same kind within the window into the open alert', async () => {
    const now = Date.now();
    await raise('bathroom_too_long', new Date(now - 60_000).toISOString());
    await raise('bathroom_too_long', new Date(now - 30_000).toISOString());
    await raise('door_open_at_night', new Date(now - 20_000).toISOString());
    const folded = await alertsOf('bathroom_too_long');
    expect(folded).toHaveLength(1);
    expect(folded[0]!.occurrences).toBe(2);
    expect(await alertsOf('door_open_at_night')).toHaveLength(1);
  });

  it('starts a new alert once the earlier one is resolved, or the window has passed', async () => {
    const [first] = await alertsOf('bathroom_too_long');
    await cloud.api('POST', `alerts/${first!.id}/resolve`, { token: primary.token, body: { note: 'fine' } });
    await raise('bathroom_too_long');
    expect(await alertsOf('bathroom_too_long')).toHaveLength(2);

    await raise('too_cold', new Date(Date.now() - 10 * 60_000).toISOString());
    await raise('too_cold');
    expect(await alertsOf('too_cold')).toHaveLength(2);
  });

  it('escalates an unacknowledged alert step by step, records and pushes each step, and stops at admins', async () => {
    const ws = await cloud.ws(primary.token);
    await ws.subscribe('alerts');
    await raise('fall_suspected');
    const [alert] = await alertsOf('fall_suspected');
    const step = (level: number) =>
      ws.next(
        (m) =>
          m.type === 'update' &&
          (m.data as AlertUpdate).id === alert!.id &&
          (m.data as AlertUpdate).escalation?.level === level,
        5000,
      );
    const one = (await step(1)).data as AlertUpdate;
    expect(one.escalation!.notifiedStaff.sort()).toEqual([primary.id, backup.id].sort());
    const two = (await step(2)).data as AlertUpdate;
    expect(two.escalation!.notifiedStaff).toEqual([admin.id]);
    await new Promise((r) => setTimeout(r, 1500));
    const rows =
      await cloud.sql`select level from alert_escalations where alert_id = ${alert!.id} order by level`;
    expect(rows.map((r) => r.level)).toEqual([1, 2]);
    ws.close();
  });

  it('stops escalating once someone acknowledges', async () => {
    await raise('no_motion_morning');
    const [alert] = await alertsOf('no_motion_morning');
    const ack = await cloud.api<Alert>('POST', `alerts/${alert!.id}/ack`, { token: backup.token });
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: backup.id });
    // Acknowledging twice is harmless and keeps the first acknowledger.
    const again = await cloud.api<Alert>('POST', `alerts/${alert!.id}/ack`, { token: primary.token });
    expect(again.body.acknowledgedBy).toBe(backup.id);
    await new Promise((r) => setTimeout(r, 1600));
    const [after] = await alertsOf('no_motion_morning');
    expect(after!.escalation_level).toBe(0);
    const steps = await cloud.sql`select 1 from alert_escalations where alert_id = ${alert!.id}`;
    expect(steps).toHaveLength(0);
  });

  it('lists alerts by status and refuses a bad filter precisely', async () => {
    const open = await cloud.api('GET', 'alerts?status=open,acknowledged', { token: primary.token });
    expect(open.body.alerts.every((a: Alert) => a.status !== 'resolved')).toBe(true);
    const resolved = await cloud.api('GET', 'alerts?status=resolved', { token: primary.token });
    expect(resolved.body.alerts.length).toBeGreaterThan(0);
    const bad = await cloud.api('GET', 'alerts?status=panicking', { token: primary.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toMatch(/^status/);
  });
});

import { randomUUID } from 'node:crypto';
import type { Alert, StaffAlert as AlertUpdate } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/clock.js';
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

  // Escalation runs on a fake clock: an alert is due a second after it is raised, and the escalator
  // looks only when the test moves the clock by a whole tick, so nothing here waits on real time.
  // Dashboard pings are on the same clock; they are kept out of the way so a moved clock does not
  // count as minutes of silence from the test's socket.
  const clock = new FakeClock();
  const TICK_MS = 10 * 60_000;
  const tick = async () => {
    clock.advance(TICK_MS);
    await cloud.cloud.escalator.settled();
  };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      env: { HEARTH_ESCALATION_SECONDS: '1', HEARTH_ALERT_DEDUPE_SECONDS: '120' },
      escalationTickMs: TICK_MS,
      socketLimits: { pingIntervalMs: 24 * 3600_000 },
      clock,
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
    const first = step(1);
    await tick();
    const one = (await first).data as AlertUpdate;
    expect(one.escalation!.notifiedStaff.sort()).toEqual([primary.id, backup.id].sort());
    const second = step(2);
    await tick();
    const two = (await second).data as AlertUpdate;
    expect(two.escalation!.notifiedStaff).toEqual([admin.id]);
    // Past the last level the escalator finds nothing more to do.
    await tick();
    expect(await cloud.cloud.escalator.tick()).toBe(0);
    const rows =
      await cloud.sql`select level from alert_escalations where alert_id = ${alert!.id} order by level`;
    expect(rows.map((r) => r.level)).toEqual([1, 2]);
    ws.close();
  });

  it('rings the primary carer first, then every carer, then the admins; everyone allowed still sees it', async () => {
    const sockets = {
      primary: await cloud.ws(primary.token),
      backup: await cloud.ws(backup.token),
      admin: await cloud.ws(admin.token),
    };
    for (const ws of Object.values(sockets)) await ws.subscribe('alerts');
    await raise('no_motion_evening');
    const [alert] = await alertsOf('no_motion_evening');
    const ringAt = async (level: number) => {
      const seen: Record<string, boolean> = {};
      for (const [who, ws] of Object.entries(sockets)) {
        const m = await ws.next(
          (m) =>
            m.type === 'update' &&
            (m.data as AlertUpdate).id === alert!.id &&
            ((m.data as AlertUpdate).escalation?.level ?? 0) === level,
          5000,
        );
        seen[who] = (m.data as AlertUpdate).ring;
      }
      return seen;
    };
    expect(await ringAt(0)).toEqual({ primary: true, backup: false, admin: false });
    await tick();
    expect(await ringAt(1)).toEqual({ primary: true, backup: true, admin: false });
    await tick();
    expect(await ringAt(2)).toEqual({ primary: false, backup: false, admin: true });
    // A snapshot carries the same flag: the backup carer still sees the alert, silently.
    const later = await cloud.ws(backup.token);
    const snapshot = await later.subscribe('alerts');
    const listed = (snapshot.data as { alerts: AlertUpdate[] }).alerts.find((a) => a.id === alert!.id);
    expect(listed).toMatchObject({ ring: false, status: 'open' });
    // Once a person has it in hand, nobody is rung any more.
    await cloud.api('POST', `alerts/${alert!.id}/ack`, { token: admin.token });
    const acked = await sockets.admin.next(
      (m) =>
        m.type === 'update' &&
        (m.data as AlertUpdate).id === alert!.id &&
        (m.data as AlertUpdate).status === 'acknowledged',
    );
    expect((acked.data as AlertUpdate).ring).toBe(false);
    for (const ws of [...Object.values(sockets), later]) ws.close();
  });

  it('stops escalating once someone acknowledges', async () => {
    await raise('no_motion_morning');
    const [alert] = await alertsOf('no_motion_morning');
    const ack = await cloud.api<Alert>('POST', `alerts/${alert!.id}/ack`, { token: backup.token });
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: backup.id });
    // Acknowledging twice is harmless and keeps the first acknowledger.
    const again = await cloud.api<Alert>('POST', `alerts/${alert!.id}/ack`, { token: primary.token });
    expect(again.body.acknowledgedBy).toBe(backup.id);
    await tick();
    await tick();
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

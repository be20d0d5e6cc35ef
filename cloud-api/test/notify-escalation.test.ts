import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/clock.js';
import { openDatabase } from '../src/db/database.js';
import { pendantAlert, TestCloud } from './harness.js';
import { startChatReceiver, startWebhookReceiver } from './notify-fixtures.js';
import { instancePairTargets } from './targets.js';
import { WsTestClient } from './ws-client.js';

const SECRET = 'webhook-secret-for-tests-0123456789abcdef';

const pairs = instancePairTargets();

describe.each(pairs)('escalation through two instances on $name', ({ db, bus: busTarget }) => {
  let a: TestCloud;
  let b: TestCloud;
  let cleanup: () => Promise<void>;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let chat: Awaited<ReturnType<typeof startChatReceiver>>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let primary: Awaited<ReturnType<TestCloud['staff']>>;
  let second: Awaited<ReturnType<TestCloud['staff']>>;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;
  // Both instances run on one fake clock: escalation and retries happen when the test moves it. An
  // alert's first escalation is due by the database's clock, so each step is a little longer.
  const clock = new FakeClock();
  const ESCALATION_S = 60;
  const STEP = ESCALATION_S * 1000 + 5_000;
  /** Moves time on and lets both instances' escalators look at once, racing for the same alerts. */
  const escalate = async () => {
    await step(STEP);
    await Promise.all([a.cloud.escalator.tick(), b.cloud.escalator.tick()]);
    await settle();
  };
  const settle = async () => {
    for (const c of [a, b]) {
      await c.cloud.escalator.settled();
      await c.cloud.notify.notifier.settled();
    }
  };
  const step = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  const raise = async (kind: string) => {
    // The fake clock must not lag the database's, which stamps the first escalation.
    if (clock.now().getTime() < Date.now()) await step(Date.now() - clock.now().getTime());
    const id = randomUUID();
    expect((await a.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, id, kind)])).status).toBe(200);
    const [row] = await a.sql<
      { id: string }[]
    >`select alert_id as id from alert_occurrences where hub_alert_id = ${id}`;
    return row!.id;
  };
  const deliveries = (alertId: string) =>
    a.sql<{ staff_id: string; channel: string; level: number; status: string }[]>`
      select staff_id, channel, level, status from notify_deliveries where alert_id = ${alertId} order by level, staff_id`;

  beforeAll(async () => {
    hook = await startWebhookReceiver(SECRET);
    chat = await startChatReceiver();
    const created = await db.createDatabase();
    const shared = created.url
      ? undefined
      : await openDatabase({ databaseUrl: undefined, dataDir: 'memory' });
    const common = {
      ...(created.url && { databaseUrl: created.url }),
      ...(shared && { database: shared }),
      clock,
      // Escalators look only when the test says (escalate()), never on their own timer.
      escalationTickMs: 24 * 3600_000,
      env: {
        HEARTH_REDIS_PREFIX: busTarget.prefix,
        HEARTH_ESCALATION_SECONDS: String(ESCALATION_S),
        HEARTH_WEBHOOK_SECRET: SECRET,
      },
    };
    a = await TestCloud.start({ ...common, bus: await busTarget.open() });
    b = await TestCloud.start({ ...common, bus: await busTarget.open() });
    cleanup = async () => {
      await a.stop();
      await b.stop();
      await shared?.close();
      await created.drop();
    };
    admin = await a.staff('admin', 'Ada Admin');
    primary = await a.staff('staff', 'Pat Primary');
    second = await a.staff('staff', 'Sam Second');
    const senior = await a.senior(admin.token, 'Grace Senior');
    await a.assign(admin.token, senior, primary.id);
    await a.assign(admin.token, senior, second.id);
    hub = await a.pairHub(admin.token, senior);
    for (const who of [primary, second]) {
      const res = await b.api('PATCH', 'me/notification-settings', {
        token: who.token,
        body: { email: false, webhookUrl: hook.url, webhookKind: 'generic' },
      });
      expect(res.status).toBe(200);
    }
    await b.api('PATCH', 'me/notification-settings', {
      token: admin.token,
      body: { email: false, webhookUrl: chat.url, webhookKind: 'slack' },
    });
  });
  afterAll(async () => {
    await cleanup();
    await hook.close();
    await chat.close();
  });

  it('rings the primary carer, then every carer, then the admins, each delivery sent exactly once', async () => {
    const alertId = await raise('pendant_pressed');
    const [first] = await hook.waitFor(1);
    expect(first!.json).toMatchObject({ type: 'alert', level: 0, staff: { id: primary.id } });
    await settle();
    await escalate();
    await hook.waitFor(3);
    await escalate();
    const [slack] = await chat.waitFor(1);
    expect(slack!.text).toMatch(/^\*Escalated \(level 2\): Urgent: Grace Senior — pendant pressed\*/);
    // Retries and sweeps on both instances find nothing left to send.
    await step(60_000);
    await step(60_000);

    const rows = await deliveries(alertId);
    // A webhook's 2xx comes from the person's own receiver: delivered, not merely sent.
    expect(rows.map((r) => [r.level, r.staff_id, r.channel, r.status])).toEqual([
      [0, primary.id, 'webhook', 'delivered'],
      ...[primary.id, second.id].sort().map((id) => [1, id, 'webhook', 'delivered']),
      [2, admin.id, 'webhook', 'delivered'],
    ]);
    const forAlert = hook.accepted.filter((h) => (h.json.alert as { id: string }).id === alertId);
    expect(forAlert.map((h) => [h.json.level, (h.json.staff as { id: string }).id]).sort()).toEqual(
      [
        [0, primary.id],
        [1, primary.id],
        [1, second.id],
      ].sort(),
    );
    expect(new Set(forAlert.map((h) => h.headers['hearth-delivery'])).size).toBe(3);
    expect(chat.bodies).toHaveLength(1);
    expect(hook.refused).toEqual([]);
  });

  it('a replayed webhook is refused by a receiver that checks the signature, timestamp and id', async () => {
    const [sent] = hook.accepted;
    const replay = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'hearth-timestamp': String(sent!.headers['hearth-timestamp']),
        'hearth-signature': String(sent!.headers['hearth-signature']),
        'hearth-delivery': String(sent!.headers['hearth-delivery']),
      },
      body: sent!.body,
    });
    expect(replay.status).toBe(409);
    // The same headers on a changed body: the signature no longer matches.
    const tampered = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'hearth-timestamp': String(sent!.headers['hearth-timestamp']),
        'hearth-signature': String(sent!.headers['hearth-signature']),
        'hearth-delivery': randomUUID(),
      },
      body: sent!.body.replace('Grace Senior', 'Someone Else'),
    });
    expect(tampered.status).toBe(401);
    expect(hook.refused.map((r) => r.reason)).toEqual(['replay', 'bad signature']);
  });

  it('with the primary carer off shift, the first carer on duty is rung; acknowledging cancels what is queued', async () => {
    expect((await a.api('POST', 'me/shift/end', { token: primary.token })).body.settings.onDuty).toBe(false);
    const before = hook.accepted.length;
    const alertId = await raise('fall_suspected');
    const hooks = await hook.waitFor(before + 1);
    expect((hooks[before]!.json.staff as { id: string }).id).toBe(second.id);
    // The second carer acknowledges on B before the escalation: nothing more is rung.
    await b.api('POST', `alerts/${alertId}/ack`, { token: second.token });
    await escalate();
    await escalate();
    expect((await deliveries(alertId)).map((r) => [r.level, r.staff_id, r.status])).toEqual([
      [0, second.id, 'delivered'],
    ]);
    await a.api('POST', 'me/shift/start', { token: primary.token });
  });

  it('with the primary carer off shift, every escalation step, dashboard ring flag and delivery skips them', async () => {
    await a.api('POST', 'me/shift/end', { token: primary.token });
    const before = hook.accepted.length;
    const alertId = await raise('bathroom_too_long');
    await hook.waitFor(before + 1);
    const steps = () =>
      a.sql<{ level: number; notified_staff: string[] }[]>`
        select level, notified_staff from alert_escalations where alert_id = ${alertId} order by level`;
    const ringFlag = async (who: { token: string }) => {
      const ws = await WsTestClient.connect(b.url, who.token);
      const snapshot = await ws.subscribe('alerts');
      ws.close();
      const alerts = (snapshot.data as { alerts: { id: string; ring: boolean }[] }).alerts;
      return alerts.find((x) => x.id === alertId)?.ring;
    };
    // Level 0: the first carer on duty, on every instance's dashboards alike.
    expect([await ringFlag(primary), await ringFlag(second)]).toEqual([false, true]);
    await escalate();
    // Level 1, every carer on duty: still not the carer who ended their shift.
    expect(await steps()).toEqual([{ level: 1, notified_staff: [second.id] }]);
    expect([await ringFlag(primary), await ringFlag(second)]).toEqual([false, true]);
    await escalate();
    expect((await steps()).at(-1)).toEqual({ level: 2, notified_staff: [admin.id] });
    expect([await ringFlag(primary), await ringFlag(admin)]).toEqual([false, true]);
    const rows = await deliveries(alertId);
    expect(rows.some((r) => r.staff_id === primary.id)).toBe(false);
    expect(rows.map((r) => [r.level, r.staff_id])).toEqual([
      [0, second.id],
      [1, second.id],
      [2, admin.id],
    ]);
    await a.api('POST', `alerts/${alertId}/resolve`, { token: admin.token });
    await a.api('POST', 'me/shift/start', { token: primary.token });
  });

  it('with no carer of the senior on duty, the alert goes straight to the admins', async () => {
    await a.api('POST', 'me/shift/end', { token: primary.token });
    await a.api('POST', 'me/shift/end', { token: second.token });
    const chats = chat.bodies.length;
    const alertId = await raise('no_morning_activity');
    await chat.waitFor(chats + 1);
    expect((await deliveries(alertId)).map((r) => [r.level, r.staff_id])).toEqual([[0, admin.id]]);
    await a.api('POST', `alerts/${alertId}/resolve`, { token: admin.token });
    await a.api('POST', 'me/shift/start', { token: primary.token });
    await a.api('POST', 'me/shift/start', { token: second.token });
  });

  it('an unreachable webhook is a failed, retried delivery, never a crash', async () => {
    await a.api('PATCH', 'me/notification-settings', {
      token: second.token,
      body: { webhookUrl: 'http://127.0.0.1:9/unreachable', webhookKind: 'generic' },
    });
    await a.api('POST', 'me/shift/end', { token: primary.token });
    const alertId = await raise('door_open_at_night');
    await settle();
    await step(1000);
    const [row] = await a.sql<{ status: string; attempts: number; last_error: string }[]>`
      select status, attempts, last_error from notify_deliveries where alert_id = ${alertId}`;
    expect(row).toMatchObject({
      status: 'queued',
      attempts: 1,
      last_error: 'webhook unreachable: TypeError',
    });
    expect((await a.api('GET', '/health')).status).toBe(200);
  });
});

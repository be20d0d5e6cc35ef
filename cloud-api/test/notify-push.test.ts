import { createECDH, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { browserKeys, decryptPush, startPushEndpoint, verifyVapid } from './notify-fixtures.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('Web Push on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let push: Awaited<ReturnType<typeof startPushEndpoint>>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;
  const keys = browserKeys();
  // Each test raises its own kind: a repeat of an unresolved kind folds into the earlier alert.
  const raise = async (kind = 'pendant_pressed') => {
    const id = randomUUID();
    expect((await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, id, kind)])).status).toBe(200);
    const [row] = await cloud.sql<
      { id: string }[]
    >`select alert_id as id from alert_occurrences where hub_alert_id = ${id}`;
    return row!.id;
  };

  beforeAll(async () => {
    push = await startPushEndpoint();
    // Production (a database URL) takes its VAPID keys from the settings; embedded generates its own.
    const vapid = createECDH('prime256v1');
    vapid.generateKeys();
    ({ cloud, teardown } = await cloudOn(
      target,
      target.name === 'postgres'
        ? {
            env: {
              HEARTH_VAPID_PUBLIC_KEY: vapid.getPublicKey().toString('base64url'),
              HEARTH_VAPID_PRIVATE_KEY: vapid.getPrivateKey().toString('base64url'),
              HEARTH_VAPID_SUBJECT: 'mailto:ops@care.test',
            },
          }
        : {},
    ));
    admin = await cloud.staff('admin', 'Ada Admin');
    carer = await cloud.staff('staff', 'Carla Carer');
    const senior = await cloud.senior(admin.token, 'Grace Senior');
    await cloud.assign(admin.token, senior, carer.id);
    hub = await cloud.pairHub(admin.token, senior);
  });
  afterAll(async () => {
    await teardown();
    await push.close();
  });

  it('a subscribed device gets the alert encrypted for it and signed with the VAPID key, and acknowledges from it once', async () => {
    const settings = await cloud.api('GET', 'me/notification-settings', { token: carer.token });
    expect(settings.body.available.push).toBe(true);
    const sub = await cloud.api('POST', 'me/push-subscriptions', {
      token: carer.token,
      body: { endpoint: `${push.origin}/push/device-1`, keys: keys.json },
    });
    expect(sub.status).toBe(201);

    const alertId = await raise();
    const [request] = await push.waitFor(1);
    expect(request!.path).toBe('/push/device-1');
    expect(request!.headers['content-encoding']).toBe('aes128gcm');
    expect(request!.headers.urgency).toBe('high');
    const vapid = verifyVapid(request!.headers.authorization, push.origin);
    expect(vapid.publicKey).toBe(settings.body.vapidPublicKey);
    expect(vapid.claims.sub).toMatch(/^mailto:/);

    const payload = JSON.parse(decryptPush(request!.body, keys));
    expect(payload).toMatchObject({
      alertId,
      title: 'Urgent: Grace Senior — pendant pressed',
      severity: 'critical',
    });
    expect(payload.body).toContain('Pendant button pressed');

    // The service worker's "Acknowledge" action: no login, the token alone, once.
    const ack = () =>
      fetch(payload.ackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: payload.token }),
      });
    const first = await ack();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ acknowledged: true, acknowledgedBy: 'Carla Carer' });
    const alert = await cloud.api('GET', `alerts/${alertId}`, { token: carer.token });
    expect(alert.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: carer.id });
    const second = await ack();
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { message: string } }).error.message).toBe(
      'already acknowledged by Carla Carer',
    );

    // The device's receipt turns "sent" into "delivered" on the alert's record.
    const receipt = await fetch(payload.receiptUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: payload.token }),
    });
    expect(receipt.status).toBe(204);
    const deliveries = await cloud.api('GET', `alerts/${alertId}/deliveries`, { token: carer.token });
    expect(deliveries.body.deliveries).toEqual([
      expect.objectContaining({
        staffName: 'Carla Carer',
        channel: 'push',
        level: 0,
        status: 'delivered',
        attempts: 1,
        seenAt: null,
        acknowledged: true,
      }),
    ]);

    // A click on the notification (the service worker posts to seenUrl) makes it "seen"; a token
    // that is not signed by the cloud records nothing.
    const seen = (token: string) =>
      fetch(payload.seenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    expect((await seen(`${payload.token}x`)).status).toBe(400);
    expect((await seen(payload.token)).status).toBe(204);
    const after = await cloud.api('GET', `alerts/${alertId}/deliveries`, { token: carer.token });
    const [row] = after.body.deliveries;
    expect(row).toMatchObject({ status: 'seen', acknowledged: true });
    expect(Date.parse(row.seenAt)).toBeGreaterThanOrEqual(Date.parse(row.deliveredAt));
  });

  it('a forged token acknowledges nothing', async () => {
    const alertId = await raise('fall_suspected');
    const [, request] = await push.waitFor(2);
    const payload = JSON.parse(decryptPush(request!.body, keys));
    const [body, sig] = (payload.token as string).split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), staffId: admin.id })).toString('base64url')}.${sig}`;
    const res = await cloud.api('POST', 'notify/ack-by-token', { body: { token: forged } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('this link is not valid');
    expect((await cloud.api('GET', `alerts/${alertId}`, { token: carer.token })).body.status).toBe('open');
    await cloud.api('POST', `alerts/${alertId}/resolve`, { token: carer.token });
  });

  it('a device the push service says is gone is revoked, and a person can revoke their own devices', async () => {
    push.answerWith(410);
    const alertId = await raise('door_open_at_night');
    await push.waitFor(3);
    await cloud.cloud.notify.notifier.settled();
    const deliveries = await cloud.api('GET', `alerts/${alertId}/deliveries`, { token: carer.token });
    expect(deliveries.body.deliveries[0]).toMatchObject({
      status: 'queued',
      lastError: 'push service answered 410',
    });
    expect(
      (await cloud.api('GET', 'me/push-subscriptions', { token: carer.token })).body.subscriptions,
    ).toEqual([]);

    push.answerWith(201);
    const sub = await cloud.api('POST', 'me/push-subscriptions', {
      token: carer.token,
      body: { endpoint: `${push.origin}/push/device-2`, keys: keys.json },
    });
    expect(
      (await cloud.api('DELETE', `me/push-subscriptions/${sub.body.id}`, { token: admin.token })).status,
    ).toBe(404);
    expect(
      (await cloud.api('DELETE', `me/push-subscriptions/${sub.body.id}`, { token: carer.token })).status,
    ).toBe(204);
    expect(
      (await cloud.api('GET', 'me/push-subscriptions', { token: carer.token })).body.subscriptions,
    ).toEqual([]);
    const bad = await cloud.api('POST', 'me/push-subscriptions', {
      token: carer.token,
      body: { endpoint: 'not a url', keys: { p256dh: 'x', auth: 'y' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});

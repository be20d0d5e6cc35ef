// The dashboard's service worker in a real Chromium: a push event dispatched to it (CDP
// ServiceWorker.deliverPushMessage, as the push service would) shows the alert with its actions.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from '../../test/support/dashboard-browser.js';
import { TestCloud } from './harness.js';

describe('the service worker', () => {
  let cloud: TestCloud;
  let browser: Browser;

  beforeAll(async () => {
    cloud = await TestCloud.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
  });

  it('is served at the root, shows a pushed alert with Acknowledge and Open, and reports it delivered then seen', async () => {
    const sw = await cloud.api('GET', '/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toContain('javascript');

    // 127.0.0.1 is a secure context, as service workers need.
    const origin = cloud.url;
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const cdp = await context.newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const mine = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted);
        if (mine) resolve(mine.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    // Browser-side code as strings: this package compiles without the DOM's types.
    await page.evaluate(`(async () => {
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    })()`);
    const registrationId = await registered;

    // A delivery on record, as the notifier leaves it once the push service accepted it.
    const alertId = '0f6c2d1e-7b7a-4f0e-9d51-6a1c2b3d4e5f';
    const carer = await cloud.staff('staff', 'Carla Carer');
    const [delivery] = await cloud.sql<{ id: string }[]>`
      insert into notify_deliveries (alert_id, staff_id, channel, level, status, sent_at)
      values (${alertId}, ${carer.id}, 'push', 0, 'sent', now()) returning id`;
    const status = async () =>
      (
        await cloud.sql<{ status: string }[]>`select status from notify_deliveries where id = ${delivery!.id}`
      )[0]!.status;
    const payload = {
      title: 'Urgent: Grace Senior — pendant pressed',
      body: 'Pendant button pressed (14:02 UTC)',
      alertId,
      severity: 'critical',
      token: cloud.cloud.notify.tokens.issue(alertId, carer.id, new Date(), delivery!.id),
      ackUrl: `${origin}/api/v1/notify/ack-by-token`,
      openUrl: `${origin}/#/alerts/${alertId}`,
      receiptUrl: `${origin}/api/v1/notify/push-receipt`,
      seenUrl: `${origin}/api/v1/notify/seen`,
    };
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin,
      registrationId,
      data: JSON.stringify(payload),
    });

    const shown = await page.waitForFunction(`(async () => {
      const registration = await navigator.serviceWorker.ready;
      const list = await registration.getNotifications();
      return list.length > 0
        ? list.map((n) => ({
            title: n.title,
            body: n.body,
            tag: n.tag,
            actions: (n.actions || []).map((a) => [a.action, a.title]),
            alertId: n.data && n.data.alertId,
          }))
        : undefined;
    })()`);
    expect(await shown.jsonValue()).toEqual([
      {
        title: payload.title,
        body: payload.body,
        tag: `alert:${payload.alertId}`,
        actions: [
          ['ack', 'Acknowledge'],
          ['open', 'Open'],
        ],
        alertId: payload.alertId,
      },
    ]);
    // The worker posted its receipt when the push arrived: delivered.
    await vi.waitFor(async () => expect(await status()).toBe('delivered'), { timeout: 10_000 });

    // The carer clicks the notification ("Open"): the worker tells the cloud it was seen.
    const [worker] = context.serviceWorkers();
    expect(worker).toBeDefined();
    await worker!.evaluate(`(async () => {
      const [shown] = await self.registration.getNotifications();
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification: shown, action: 'open' }));
    })()`);
    await vi.waitFor(async () => expect(await status()).toBe('seen'), { timeout: 10_000 });
    await context.close();
  });
});

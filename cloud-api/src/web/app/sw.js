// Hearth service worker: shows alert notifications pushed while the dashboard is closed, with
// "Acknowledge" (done here, with the notification's single-use token, without opening the page) and
// "Open". Plain script, copied as is by the dashboard build; served at /sw.js so its scope is the whole dashboard.
/* global self, clients */

const FALLBACK_TITLE = 'Hearth alert';

function readPush(event) {
  if (!event.data) return { title: FALLBACK_TITLE, body: '' };
  try {
    return event.data.json();
  } catch {
    return { title: FALLBACK_TITLE, body: event.data.text() };
  }
}

function postToken(url, token) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
    credentials: 'omit',
  });
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const data = readPush(event);
  const shown = self.registration.showNotification(data.title || FALLBACK_TITLE, {
    body: data.body || '',
    tag: data.alertId ? `alert:${data.alertId}` : undefined,
    renotify: Boolean(data.alertId),
    requireInteraction: data.severity !== 'info',
    data,
    actions: data.token
      ? [
          { action: 'ack', title: 'Acknowledge' },
          { action: 'open', title: 'Open' },
        ]
      : [{ action: 'open', title: 'Open' }],
  });
  // Tells the cloud this device got it ("delivered" on the alert); a failure changes nothing here.
  const receipt =
    data.receiptUrl && data.token ? postToken(data.receiptUrl, data.token).catch(() => undefined) : undefined;
  event.waitUntil(Promise.all([shown, receipt]));
});

async function acknowledge(data) {
  let text;
  try {
    const res = await postToken(data.ackUrl, data.token);
    const body = await res.json().catch(() => ({}));
    if (res.ok) text = 'Acknowledged: you have it in hand.';
    else
      text = body?.error?.message
        ? `Not acknowledged: ${body.error.message}`
        : `Not acknowledged (${res.status}).`;
  } catch {
    text = 'Not acknowledged: no connection. Open the dashboard to try again.';
  }
  await self.registration.showNotification(data.title || FALLBACK_TITLE, {
    body: text,
    tag: data.alertId ? `alert:${data.alertId}` : undefined,
    data: { ...data, token: undefined, seenUrl: undefined },
    actions: [{ action: 'open', title: 'Open' }],
  });
}

async function open(data) {
  const url = data.openUrl || '/';
  const windows = await clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const win of windows) {
    if (new URL(win.url).origin === self.location.origin) {
      await win.focus();
      if ('navigate' in win) await win.navigate(url).catch(() => undefined);
      return;
    }
  }
  await clients.openWindow(url);
}

self.addEventListener('notificationclick', (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  // Any click means the person saw it ("seen" on the alert); a failure changes nothing here.
  const seen =
    data.seenUrl && data.token ? postToken(data.seenUrl, data.token).catch(() => undefined) : undefined;
  const action = event.action === 'ack' && data.token && data.ackUrl ? acknowledge(data) : open(data);
  event.waitUntil(Promise.all([seen, action]));
});

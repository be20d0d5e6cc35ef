import webpush from 'web-push';
import {
  DeliveryError,
  type DeliveryJob,
  type NotifyChannel,
  type SendOutcome,
  summary,
  title,
} from './channel.js';
import type { VapidKeys } from './notify-config.js';
import type { NotifySettingsStore } from './settings-store.js';

/** What the service worker (web/app/sw.js) receives, encrypted (RFC 8291) by the push service's hop. */
export interface PushPayload {
  title: string;
  body: string;
  alertId: string;
  severity: string;
  /** Acknowledges without opening the page: POST `ackUrl` with `{token}`. */
  token: string;
  ackUrl: string;
  openUrl: string;
  /** Tells the cloud the device received it. */
  receiptUrl: string;
  /** Tells the cloud the person opened the notification. */
  seenUrl: string;
}

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291), to every device the
 * person subscribed. Accepted by one device is enough; a device the push service says is gone
 * (404/410) is revoked.
 */
export class PushChannel implements NotifyChannel {
  readonly name = 'push' as const;

  constructor(
    private readonly deps: { vapid: VapidKeys; settings: NotifySettingsStore; timeoutMs?: number },
  ) {}

  async send(job: DeliveryJob): Promise<SendOutcome> {
    const devices = await this.deps.settings.subscriptions(job.recipient.id);
    if (devices.length === 0) throw new DeliveryError('no device subscribed to push', true);
    const payload: PushPayload = {
      title: title(job),
      body: summary(job),
      alertId: job.alert.id,
      severity: job.alert.severity,
      token: job.ackToken,
      ackUrl: job.links.ackApi,
      openUrl: job.links.open,
      receiptUrl: job.links.receipt,
      seenUrl: job.links.seen,
    };
    const failures: string[] = [];
    for (const device of devices) {
      // web-push builds the request (VAPID JWT, aes128gcm body); we send it, with our own timeout.
      const request = webpush.generateRequestDetails(
        { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
        JSON.stringify(payload),
        {
          vapidDetails: this.deps.vapid,
          TTL: 3600,
          urgency: job.alert.severity === 'info' ? 'normal' : 'high',
          topic: job.alert.id.replace(/-/g, '').slice(0, 32),
          contentEncoding: 'aes128gcm',
        },
      );
      let status: number;
      try {
        const res = await fetch(request.endpoint, {
          method: 'POST',
          headers: request.headers as Record<string, string>,
          body: request.body ?? null,
          redirect: 'error',
          signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        status = res.status;
      } catch (err) {
        failures.push(`push service unreachable (${(err as Error).name})`);
        continue;
      }
      // The push service has it; the service worker's receipt makes it delivered.
      if (status >= 200 && status < 300) return 'sent';
      if (status === 404 || status === 410) await this.deps.settings.revokeGone(device.id);
      failures.push(`push service answered ${status}`);
    }
    throw new DeliveryError(failures.join('; '));
  }
}

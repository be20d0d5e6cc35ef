import { createHmac } from 'node:crypto';
import {
  DeliveryError,
  type DeliveryJob,
  type NotifyChannel,
  type SendOutcome,
  summary,
  title,
} from './channel.js';

/**
 * Signature of the generic webhook: `Hearth-Signature: v1=<hex>` where hex is
 * HMAC-SHA256(secret, `${timestamp}.${body}`) and `Hearth-Timestamp` is the Unix time in seconds.
 * A receiver recomputes it over the raw body, refuses a timestamp older than 5 minutes, and remembers
 * `Hearth-Delivery` ids it has seen within that window to refuse a replay.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The body for Slack-compatible (and Mattermost, Rocket.Chat) and Teams incoming webhooks. */
function chatBody(job: DeliveryJob, kind: 'slack' | 'teams'): unknown {
  const text = `*${title(job)}*\n${summary(job)}\n<${job.links.ackPage}|Acknowledge> · <${job.links.open}|Open>`;
  if (kind === 'slack') return { text };
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: title(job),
    title: title(job),
    text: summary(job),
    potentialAction: [
      { '@type': 'OpenUri', name: 'Acknowledge', targets: [{ os: 'default', uri: job.links.ackPage }] },
      { '@type': 'OpenUri', name: 'Open', targets: [{ os: 'default', uri: job.links.open }] },
    ],
  };
}

/** Incoming webhooks: chat tools, or an organisation's own pager or SMS gateway (signed). */
export class WebhookChannel implements NotifyChannel {
  readonly name = 'webhook' as const;

  constructor(private readonly deps: { secret: string | undefined; now: () => Date; timeoutMs?: number }) {}

  async send(job: DeliveryJob): Promise<SendOutcome> {
    const { webhookUrl: url, webhookKind: kind } = job.recipient.settings;
    if (!url || !kind) throw new DeliveryError('no webhook configured', true);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Hearth' };
    let body: string;
    if (kind === 'generic') {
      if (!this.deps.secret) throw new DeliveryError('HEARTH_WEBHOOK_SECRET is not set', true);
      const timestamp = Math.floor(this.deps.now().getTime() / 1000);
      body = JSON.stringify({
        type: job.kind,
        deliveryId: job.deliveryId,
        level: job.level,
        alert: job.alert,
        senior: { id: job.alert.seniorId, name: job.seniorName },
        staff: { id: job.recipient.id, name: job.recipient.name },
        title: title(job),
        text: summary(job),
        links: { acknowledge: job.links.ackPage, open: job.links.open },
      });
      headers['hearth-timestamp'] = String(timestamp);
      headers['hearth-delivery'] = job.deliveryId;
      headers['hearth-signature'] = signWebhook(this.deps.secret, timestamp, body);
    } else {
      body = JSON.stringify(chatBody(job, kind));
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new DeliveryError(`webhook unreachable: ${(err as Error).name}`);
    }
    await res.body?.cancel();
    if (!res.ok)
      throw new DeliveryError(
        `webhook answered ${res.status}`,
        res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408,
      );
    // The receiver is the person's own (their chat, their pager gateway): its 2xx is delivery.
    return 'delivered';
  }
}

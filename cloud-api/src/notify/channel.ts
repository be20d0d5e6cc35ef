import type { Alert } from '@hearth/shared';
import type { DeliveryChannel } from './schemas.js';
import type { Recipient } from './settings-store.js';

/** Everything a channel needs to ring one person about one alert. */
export interface DeliveryJob {
  deliveryId: string;
  level: number;
  kind: 'alert' | 'escalation';
  alert: Alert;
  seniorName: string;
  recipient: Recipient;
  /** Single-use, short-lived token that acknowledges this alert as this person. */
  ackToken: string;
  links: {
    /** The dashboard, opened on the alert. */
    open: string;
    /** A page that confirms, then acknowledges (for email). */
    ackPage: string;
    /** `POST {token}` acknowledges (for the service worker). */
    ackApi: string;
    /** `POST {token}` records that the device received the push. */
    receipt: string;
    /** `POST {token}` records that the person opened the notification. */
    seen: string;
  };
}

/** Why a send did not go through; `permanent` failures are not retried (e.g. no device subscribed). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

/**
 * How far a send got: `sent` when a server between us and the person accepted it (an SMTP server, a
 * push service), `delivered` when the person's own receiver did (a webhook's 2xx).
 */
export type SendOutcome = 'sent' | 'delivered';

/**
 * One way of reaching a person. `send` resolves once the other side accepted the message (SMTP 250,
 * push service 201, webhook 2xx), saying how far that is, and throws a DeliveryError otherwise, with a
 * reason safe to store and show (never a secret). Unreachable servers are ordinary failures: the
 * delivery is retried.
 */
export interface NotifyChannel {
  readonly name: DeliveryChannel;
  send(job: DeliveryJob): Promise<SendOutcome>;
}

/** The one-line title a person sees first. */
export function title(job: DeliveryJob): string {
  const prefix = job.kind === 'escalation' ? `Escalated (level ${job.level}): ` : '';
  return `${prefix}${job.alert.severity === 'critical' ? 'Urgent: ' : ''}${job.seniorName} — ${job.alert.kind.replace(/_/g, ' ')}`;
}

/** A short body: what happened and when. */
export function summary(job: DeliveryJob): string {
  return `${job.alert.message} (${job.alert.occurredAt.slice(11, 16)} UTC)`;
}

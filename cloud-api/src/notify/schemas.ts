import { z } from 'zod';

// Wire shapes of the notification API. They live beside the feature for now; the dashboard reads them
// from the OpenAPI document.

export const DeliveryChannel = z.enum(['push', 'email', 'webhook']);
export type DeliveryChannel = z.infer<typeof DeliveryChannel>;
/**
 * Where a delivery got to. `sent`: the channel's server accepted it (SMTP 250, push service 201);
 * `delivered`: the person's device or receiver has it (the service worker's receipt, a webhook's 2xx);
 * `seen`: the person opened it (clicked the notification, opened the email's acknowledge page).
 */
export const DeliveryStatus = z.enum(['queued', 'sent', 'delivered', 'seen', 'failed', 'cancelled']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** One ring of one person on one channel, as the dashboard shows it on the alert. */
export const DeliveryView = z.object({
  id: z.uuid(),
  staffId: z.uuid(),
  staffName: z.string(),
  channel: DeliveryChannel,
  level: z.number().int(),
  kind: z.enum(['alert', 'escalation']),
  status: DeliveryStatus,
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  seenAt: z.string().nullable(),
  /** This person acknowledged the alert (took it in hand), by any means. */
  acknowledged: z.boolean(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/** A person's notification settings. */
export const NotifySettings = z.object({
  push: z.boolean(),
  email: z.boolean(),
  /** null: the login email. */
  emailAddress: z.email().max(320).nullable(),
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullable(),
  webhookKind: z.enum(['slack', 'teams', 'generic']).nullable(),
  onDuty: z.boolean(),
});
export type NotifySettings = z.infer<typeof NotifySettings>;

export const NotifySettingsPatch = NotifySettings.omit({ onDuty: true })
  .partial()
  .strict()
  .refine((s) => (s.webhookUrl ? s.webhookKind !== null : true), {
    message: 'webhookKind is required with webhookUrl',
    path: ['webhookKind'],
  });

/** What a browser's PushManager.subscribe() gives, as `subscription.toJSON()`. */
export const PushSubscriptionInput = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2000),
  keys: z.object({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'expected a P-256 public key, base64url'),
    auth: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a 16-byte secret, base64url'),
  }),
});
export type PushSubscriptionInput = z.infer<typeof PushSubscriptionInput>;

export const AckByTokenRequest = z.object({ token: z.string().min(10).max(4000) });

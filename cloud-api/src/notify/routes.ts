import { Hono } from 'hono';
import { AlertStore } from '../alerts/alert-store.js';
import { auditStaff } from '../audit/staff-audit.js';
import { requireStaff } from '../auth/middleware.js';
import type { CloudDeps } from '../deps.js';
import { readJson, validate } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError, notFound } from '../http/errors.js';
import { IdParam } from '../seniors/schemas.js';
import { DeliveryStore } from './delivery-store.js';
import type { NotifyConfig } from './notify-config.js';
import { NotifySettingsPatch, PushSubscriptionInput } from './schemas.js';
import { NotifySettingsStore } from './settings-store.js';

const BODY = { maxBytes: 16 * 1024 };

/**
 * A person's notification settings, shifts and devices, and each alert's deliveries:
 * `GET|PATCH /me/notification-settings`, `POST /me/shift/start|end`,
 * `GET|POST /me/push-subscriptions`, `DELETE /me/push-subscriptions/:id`, `GET /alerts/:id/deliveries`.
 */
export function notifyRoutes(deps: CloudDeps, notify: NotifyConfig) {
  const settings = new NotifySettingsStore(deps.sql);
  const deliveries = new DeliveryStore(deps.sql);
  const alerts = new AlertStore(deps.sql);
  const app = new Hono<AppEnv>();
  const staff = requireStaff(deps);

  const available = () => ({
    push: notify.vapid !== undefined,
    email: notify.smtp !== undefined,
    webhook: true,
    genericWebhook: notify.webhookSecret !== undefined,
  });

  app.get('/me/notification-settings', staff, async (c) =>
    c.json({
      settings: await settings.get(c.var.staff.id),
      available: available(),
      vapidPublicKey: notify.vapid?.publicKey ?? null,
    }),
  );

  app.patch('/me/notification-settings', staff, async (c) => {
    const patch = await readJson(c, NotifySettingsPatch, BODY);
    if (patch.webhookKind === 'generic' && !notify.webhookSecret) {
      throw new ApiError(
        409,
        'CONFLICT',
        'a generic webhook needs HEARTH_WEBHOOK_SECRET on the server; ask an admin',
      );
    }
    const next = await settings.update(c.var.staff.id, patch);
    await auditStaff(deps.audit, c, {
      action: 'notify.settings.update',
      details: { fields: Object.keys(patch) },
    });
    return c.json({ settings: next, available: available() });
  });

  for (const [action, onDuty] of [
    ['start', true],
    ['end', false],
  ] as const) {
    app.post(`/me/shift/${action}`, staff, async (c) => {
      const next = await settings.setOnDuty(c.var.staff.id, onDuty, deps.now());
      await auditStaff(deps.audit, c, { action: `shift.${action}` });
      return c.json({ settings: next });
    });
  }

  app.get('/me/push-subscriptions', staff, async (c) => {
    const rows = await settings.subscriptions(c.var.staff.id);
    return c.json({
      subscriptions: rows.map((r) => ({
        id: r.id,
        endpointOrigin: new URL(r.endpoint).origin,
        userAgent: r.user_agent,
        createdAt: r.created_at.toISOString(),
      })),
    });
  });

  app.post('/me/push-subscriptions', staff, async (c) => {
    if (!notify.vapid) throw new ApiError(409, 'CONFLICT', 'Web Push is not configured on this server');
    const sub = await readJson(c, PushSubscriptionInput, BODY);
    const id = await settings.subscribe(c.var.staff.id, sub, c.req.header('user-agent'));
    await auditStaff(deps.audit, c, {
      action: 'push.subscribe',
      targetType: 'push_subscription',
      targetId: id,
    });
    return c.json({ id }, 201);
  });

  app.delete('/me/push-subscriptions/:id', staff, async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    const revoked = await settings.revoke(c.var.staff.id, id);
    await auditStaff(deps.audit, c, {
      action: 'push.revoke',
      targetType: 'push_subscription',
      targetId: id,
      outcome: revoked ? 'ok' : 'denied',
    });
    if (!revoked) throw notFound('push subscription');
    return c.body(null, 204);
  });

  app.get('/alerts/:id/deliveries', staff, async (c) => {
    const { id } = validate(IdParam, c.req.param(), 'path');
    if (!(await alerts.getVisible(c.var.staff, id))) throw notFound('alert');
    return c.json({ deliveries: await deliveries.forAlert(id) });
  });

  return app;
}

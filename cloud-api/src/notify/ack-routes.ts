import type { Context } from 'hono';
import { Hono } from 'hono';
import { acknowledgeAlert } from '../alerts/acknowledge.js';
import type { CloudDeps } from '../deps.js';
import { readJson } from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { clientAddress } from '../http/request-info.js';
import type { ActionClaim, ActionTokens } from './action-tokens.js';
import { ringDeliveries } from './delivery-ring.js';
import { DeliveryStore } from './delivery-store.js';
import { escapeHtml } from './html.js';
import { AckByTokenRequest } from './schemas.js';

function page(c: Context<AppEnv>, status: 200 | 400 | 409 | 410, heading: string, body: string) {
  c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'no-referrer');
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(heading)} — Hearth</title><style>body{font:1.1rem system-ui;max-width:32rem;margin:3rem auto;padding:0 1rem}
button{font:inherit;padding:.6rem 1.4rem}</style></head><body><h1>${escapeHtml(heading)}</h1>${body}</body></html>`,
    status,
  );
}

/** What an acknowledge through a token came to, in words a person reads. */
type Outcome =
  | { kind: 'acknowledged'; by: string }
  | { kind: 'already'; by: string | null; status: string }
  | { kind: 'refused'; status: 400 | 410 | 404; code: 'INVALID' | 'EXPIRED' | 'NOT_FOUND'; message: string };

/**
 * Acknowledging from a notification without logging in, through a signed single-use token:
 * `POST /notify/ack-by-token {token}` (the service worker's "Acknowledge" action),
 * `POST /notify/push-receipt {token}` (the device got the push: delivered), `POST /notify/seen {token}`
 * (the person clicked the notification: seen), and for email `GET /notify/ack?t=` (a page that asks to
 * confirm, so a mail scanner following links acknowledges nothing; opening it is "seen") and
 * `POST /notify/ack` (the confirmation). A spent token answers who acknowledged; receipts and "seen"
 * take spent tokens too (the notification was acknowledged from before it was looked at).
 */
export function notifyAckRoutes(deps: CloudDeps, tokens: ActionTokens) {
  const deliveries = new DeliveryStore(deps.sql);
  const app = new Hono<AppEnv>();

  const acknowledgedBy = async (alertId: string) => {
    const [row] = await deps.sql<{ status: string; name: string | null }[]>`
      select a.status, s.name from alerts a left join staff s on s.id = a.acknowledged_by where a.id = ${alertId}`;
    return row;
  };

  const acknowledge = async (c: Context<AppEnv>, token: string, via: 'push' | 'email'): Promise<Outcome> => {
    const checked = tokens.check(token, deps.now());
    if (!checked.ok) {
      return {
        kind: 'refused',
        status: checked.code === 'EXPIRED' ? 410 : 400,
        code: checked.code,
        message: checked.message,
      };
    }
    const claim: ActionClaim = checked.claim;
    const before = await acknowledgedBy(claim.alertId);
    if (!before)
      return { kind: 'refused', status: 404, code: 'NOT_FOUND', message: 'this alert no longer exists' };
    if (!(await tokens.spend(deps.sql, claim)) || before.status !== 'open') {
      return { kind: 'already', by: before.name, status: before.status };
    }
    const result = await acknowledgeAlert(
      deps,
      { alertId: claim.alertId, staffId: claim.staffId, ip: clientAddress(c), via },
      c.var.log,
    );
    const after = await acknowledgedBy(claim.alertId);
    if (!result?.changed)
      return { kind: 'already', by: after?.name ?? null, status: after?.status ?? 'acknowledged' };
    return { kind: 'acknowledged', by: after?.name ?? 'you' };
  };

  app.post('/notify/ack-by-token', async (c) => {
    const { token } = await readJson(c, AckByTokenRequest, { maxBytes: 8 * 1024 });
    const outcome = await acknowledge(c, token, 'push');
    if (outcome.kind === 'refused') {
      throw new ApiError(
        outcome.status,
        outcome.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'BAD_REQUEST',
        outcome.message,
      );
    }
    if (outcome.kind === 'already') {
      throw new ApiError(
        409,
        'CONFLICT',
        `already ${outcome.status}${outcome.by ? ` by ${outcome.by}` : ''}`,
        {
          acknowledgedBy: outcome.by,
          status: outcome.status,
        },
      );
    }
    return c.json({ acknowledged: true, acknowledgedBy: outcome.by });
  });

  /** Records a hop of the delivery the token came with, and tells the dashboards showing it. */
  const hop = async (c: Context<AppEnv>, claim: ActionClaim, seen: boolean) => {
    const moved = seen
      ? claim.deliveryId !== undefined &&
        (await deliveries.markSeen(claim.deliveryId, claim.staffId, deps.now()))
      : await deliveries.markDelivered({ ...claim, channel: 'push' }, deps.now());
    if (moved) await ringDeliveries(deps, { id: claim.alertId }, c.var.log);
  };

  for (const [path, seen] of [
    ['/notify/push-receipt', false],
    ['/notify/seen', true],
  ] as const) {
    app.post(path, async (c) => {
      const { token } = await readJson(c, AckByTokenRequest, { maxBytes: 8 * 1024 });
      const checked = tokens.check(token, deps.now());
      if (!checked.ok) throw new ApiError(400, 'BAD_REQUEST', checked.message);
      await hop(c, checked.claim, seen);
      return c.body(null, 204);
    });
  }

  app.get('/notify/ack', async (c) => {
    const token = c.req.query('t') ?? '';
    const checked = tokens.check(token, deps.now());
    if (!checked.ok)
      return page(
        c,
        checked.code === 'EXPIRED' ? 410 : 400,
        'Link not valid',
        `<p>${escapeHtml(checked.message)}</p>`,
      );
    const state = await acknowledgedBy(checked.claim.alertId);
    if (!state) return page(c, 410, 'Alert not found', '<p>This alert no longer exists.</p>');
    // The person opened the email (or chat message): seen, whether or not they confirm.
    await hop(c, checked.claim, true);
    if (state.status !== 'open') {
      return page(
        c,
        200,
        `Already ${state.status}`,
        `<p>Already ${escapeHtml(state.status)}${state.name ? ` by ${escapeHtml(state.name)}` : ''}.</p>`,
      );
    }
    return page(
      c,
      200,
      'Acknowledge this alert?',
      `<p>You take it in hand; the others stop being rung.</p>
<form method="post" action="ack"><input type="hidden" name="t" value="${escapeHtml(token)}"><button type="submit">Acknowledge</button></form>`,
    );
  });

  app.post('/notify/ack', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.t === 'string' ? form.t : '';
    const outcome = await acknowledge(c, token, 'email');
    if (outcome.kind === 'refused')
      return page(
        c,
        outcome.status === 404 ? 410 : outcome.status,
        'Link not valid',
        `<p>${escapeHtml(outcome.message)}</p>`,
      );
    if (outcome.kind === 'already') {
      return page(
        c,
        409,
        `Already ${outcome.status}`,
        `<p>Already ${escapeHtml(outcome.status)}${outcome.by ? ` by ${escapeHtml(outcome.by)}` : ''}.</p>`,
      );
    }
    return page(
      c,
      200,
      'Acknowledged',
      `<p>Acknowledged by ${escapeHtml(outcome.by)}. The others stop being rung.</p>`,
    );
  });

  return app;
}

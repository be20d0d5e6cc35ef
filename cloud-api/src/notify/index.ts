import type { Hono } from 'hono';
import type { Clock } from '../clock.js';
import type { CloudDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import type { Module } from '../modules.js';
import type { CloudMetrics } from '../ops/metrics.js';
import { notifyAckRoutes } from './ack-routes.js';
import { ActionTokens } from './action-tokens.js';
import type { NotifyChannel } from './channel.js';
import { AdminDigest } from './digest.js';
import { EmailChannel, smtpTransport } from './email-channel.js';
import { HubWatch } from './hub-watch.js';
import { Notifier } from './notifier.js';
import { PushChannel } from './push-channel.js';
import { notifyRoutes } from './routes.js';
import type { DeliveryChannel } from './schemas.js';
import { NotifySettingsStore } from './settings-store.js';
import { WebhookChannel } from './webhook-channel.js';

export interface NotifyOptions {
  clock: Clock;
  metrics: CloudMetrics;
  /** This instance's URL, for links when HEARTH_PUBLIC_URL is not set (known once listening). */
  instanceUrl: () => string;
  /** Hubs with a control socket open on this instance. */
  connectedHubIds: () => string[];
  /** How often due deliveries are looked for (default 2 s). */
  tickMs?: number;
  /** How often silent hubs are looked for (default 30 s). */
  hubWatchTickMs?: number;
}

/** The notification feature, built: its modules (started after the escalator) and its routes. */
export interface NotifyFeature {
  notifier: Notifier;
  hubWatch: HubWatch;
  tokens: ActionTokens;
  modules: Module[];
  /** Mounted under /api/v1. */
  routes: Hono<AppEnv>[];
}

/** Builds channels from the settings (a channel without settings is off), the notifier and the hub watch. */
export function buildNotify(deps: CloudDeps, options: NotifyOptions): NotifyFeature {
  const { config, sql, bus, log } = deps;
  const notify = config.notify;
  const { clock, metrics } = options;
  const baseUrl = () => notify.publicUrl ?? options.instanceUrl();
  const tokens = new ActionTokens(config.jwtSecret, notify.actionTokenMinutes * 60_000);
  const transport = notify.smtp && smtpTransport(notify.smtp);
  const channels: Partial<Record<DeliveryChannel, NotifyChannel>> = {
    // The signed timestamp is checked against the receiver's wall clock, so it is the real time.
    webhook: new WebhookChannel({ secret: notify.webhookSecret, now: () => new Date() }),
  };
  if (notify.vapid)
    channels.push = new PushChannel({ vapid: notify.vapid, settings: new NotifySettingsStore(sql) });
  if (transport && notify.smtp) channels.email = new EmailChannel({ transport, from: notify.smtp.from });
  const digest =
    transport && notify.smtp
      ? new AdminDigest({
          sql,
          log,
          clock,
          transport,
          from: notify.smtp.from,
          hourUtc: notify.digestHourUtc,
          baseUrl,
        })
      : undefined;

  const failures = new Map<string, number>();
  const notifier = new Notifier({
    sql,
    bus,
    log: log.child({ module: 'notify' }),
    clock,
    tokens,
    channels,
    maxAttempts: notify.maxAttempts,
    baseUrl,
    tickMs: options.tickMs ?? 2000,
    ...(digest && { onTick: async () => void (await digest.sendDue()) }),
    observe: (channel, outcome) => {
      if (outcome !== 'sent')
        failures.set(`${channel}:${outcome}`, (failures.get(`${channel}:${outcome}`) ?? 0) + 1);
    },
  });
  const hubWatch = new HubWatch({
    sql,
    bus,
    log: log.child({ module: 'hub-watch' }),
    clock,
    silenceMinutes: notify.hubSilenceMinutes,
    escalationSeconds: config.escalationSeconds,
    connectedHubIds: options.connectedHubIds,
    tickMs: options.hubWatchTickMs ?? 30_000,
  });

  metrics.gauge(
    'hearth_hubs_silent',
    'Active hubs not heard from for the configured time, by how long.',
    () => hubWatch.silentByAge(),
  );
  metrics.gauge(
    'hearth_notify_deliveries',
    'Notification deliveries by channel and status (all instances).',
    async () =>
      (
        await sql<{ channel: string; status: string; n: number }[]>`
        select channel, status, count(*)::int as n from notify_deliveries group by channel, status`
      ).map((r) => [{ channel: r.channel, status: r.status }, r.n]),
  );
  metrics.gauge(
    'hearth_notify_send_failures',
    'Failed notification attempts on this instance since it started (outcome retry or failed).',
    () =>
      [...failures].map(([k, n]) => {
        const [channel, outcome] = k.split(':') as [string, string];
        return [{ channel, outcome }, n];
      }),
  );
  log.info(
    {
      push: Boolean(channels.push),
      email: Boolean(channels.email),
      genericWebhook: Boolean(notify.webhookSecret),
    },
    'notification channels',
  );

  return {
    notifier,
    hubWatch,
    tokens,
    // The SMTP pool is closed last, once the notifier has stopped sending.
    modules: [
      { name: 'smtp', start: () => {}, stop: () => transport?.close() },
      { name: 'notifier', start: () => notifier.start(), stop: () => notifier.stop() },
      { name: 'hub-watch', start: () => hubWatch.start(), stop: () => hubWatch.stop() },
    ],
    routes: [notifyRoutes(deps, notify), notifyAckRoutes(deps, tokens)],
  };
}

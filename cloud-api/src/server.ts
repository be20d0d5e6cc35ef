import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AlertEscalator } from './alerts/escalator.js';
import { type CloudApp, createApp } from './app.js';
import { AuditLog } from './audit/audit-log.js';
import { onStaffRevoked, StaffSessions } from './auth/sessions.js';
import { StaffStore } from './auth/staff-store.js';
import { AccessTokens } from './auth/tokens.js';
import type { CloudConfig } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { prepareDatabase } from './db/roles.js';
import { detectTimeseriesMode, ensurePartitions, refreshActivity } from './db/timeseries.js';
import type { CloudDeps } from './deps.js';
import { MemoryRateLimitStore, type RateLimitStore, RedisRateLimitStore } from './http/rate-limit.js';
import { HubStore } from './hubs/hub-store.js';
import { localModelStore } from './models/cli.js';
import { ModelRegistry } from './models/registry.js';
import { modelRoutes } from './models/routes.js';
import { rulesRoutes } from './models/rules-routes.js';
import { purgeExpired } from './ops/housekeeping.js';
import { CloudMetrics } from './ops/metrics.js';
import type { Bus } from './realtime/bus.js';
import { sendToHub } from './realtime/hub-commands.js';
import { HubSockets } from './realtime/hub-sockets.js';
import { InProcessBus } from './realtime/memory-bus.js';
import { RedisBus } from './realtime/redis-bus.js';
import { DEFAULT_SOCKET_LIMITS, type StaffSocketLimits, StaffSockets } from './realtime/staff-sockets.js';
import { rejectUpgrade } from './realtime/upgrade.js';

/** The demo logins created by HEARTH_DEMO_ACCOUNTS=1. */
export const DEMO_ACCOUNTS = [
  { email: 'admin@demo.hearth', password: 'demo-admin', name: 'Demo Admin', role: 'admin' },
  { email: 'staff@demo.hearth', password: 'demo-staff', name: 'Demo Staff', role: 'staff' },
] as const;

export interface StartCloudOptions {
  log: Logger;
  /** Use this database instead of opening one from the config (tests share one across restarts). */
  database?: Database;
  /** Use this bus instead of the configured one. */
  bus?: Bus;
  socketLimits?: Partial<StaffSocketLimits>;
  /** How often due escalations are looked for (default 5 s). */
  escalationTickMs?: number;
  now?: () => Date;
}

/** A running cloud instance. */
export interface RunningCloud {
  /** `http://127.0.0.1:<port>` (or the bound host). */
  url: string;
  port: number;
  deps: CloudDeps;
  /** The database this instance uses. */
  database: Database;
  /** The Hono app (its `routes` list the API). */
  app: CloudApp;
  sockets: StaffSockets;
  hubSockets: HubSockets;
  /** Drains HTTP, says `shutdown` on sockets, closes the bus and (unless passed in) the database. */
  stop(): Promise<void>;
}

/**
 * Builds and starts one cloud instance: database (migrated), bus, app, HTTP server and `/ws`.
 * Starts in order and stops in reverse. @throws when the database or Redis cannot be reached.
 */
export async function startCloud(config: CloudConfig, options: StartCloudOptions): Promise<RunningCloud> {
  const { log } = options;
  const db =
    options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const ownsDb = !options.database;
  const applied = await prepareDatabase(db, config, log);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');

  const now = options.now ?? (() => new Date());
  const timeseries = await detectTimeseriesMode(db.sql);
  const housekeeping: NodeJS.Timeout[] = [];
  if (timeseries !== 'timescaledb') {
    const created = await ensurePartitions(db.sql, now());
    if (created.length > 0) log.info({ created }, 'sensor_events partitions created');
    const every = (ms: number, task: () => Promise<unknown>, what: string) => {
      const t = setInterval(() => task().catch((err) => log.error({ err }, `${what} failed`)), ms);
      t.unref();
      housekeeping.push(t);
    };
    every(6 * 3600_000, () => ensurePartitions(db.sql, now()), 'creating partitions');
    every(
      5 * 60_000,
      () => refreshActivity(db.sql, new Date(now().getTime() - 3 * 3600_000), now()),
      'activity rollup',
    );
  }

  const purge = setInterval(() => {
    purgeExpired(db.sql).catch((err) => log.error({ err }, 'purging expired credentials failed'));
  }, 3600_000);
  purge.unref();
  housekeeping.push(purge);

  let bus = options.bus;
  const ownsBus = !bus;
  if (!bus) {
    if (config.redisUrl) {
      const redis = new RedisBus({
        url: config.redisUrl,
        prefix: config.redisPrefix,
        onError: (err) => log.error({ err }, 'bus handler failed'),
        onStatus: (status) => log.info({ status }, 'redis'),
      });
      await redis.connect();
      bus = redis;
    } else {
      bus = new InProcessBus((err) => log.error({ err }, 'bus handler failed'));
    }
  }

  // Rate limits follow the bus: shared through Redis when there is one, else in this process.
  const rateLimits: RateLimitStore = config.redisUrl
    ? new RedisRateLimitStore(
        new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }),
        `${config.redisPrefix}rl:`,
      )
    : new MemoryRateLimitStore();
  const metrics = new CloudMetrics();
  const deps: CloudDeps = {
    config,
    sql: db.sql,
    bus,
    log,
    tokens: new AccessTokens(config.jwtSecret, new StaffSessions(db.sql, bus).check),
    audit: new AuditLog(db.sql, (err, entry) => {
      metrics.auditFailures.inc({ action: entry.action });
      log.error({ err, action: entry.action }, 'audit log write failed');
    }),
    now,
    timeseries,
    rateLimits,
  };

  if (config.demoAccounts) {
    if (!db.embedded) log.warn('HEARTH_DEMO_ACCOUNTS=1 against a real database: demo logins exist');
    const staff = new StaffStore(db.sql);
    for (const account of DEMO_ACCOUNTS) {
      if (await staff.ensure(account)) log.info({ email: account.email }, 'demo account created');
    }
  }

  const hubStore = new HubStore(db.sql, now);
  const app = createApp(deps, {
    metrics,
    apiRoutes: [
      modelRoutes(deps, {
        registry: new ModelRegistry(db.sql, localModelStore(config.dataDir)),
        hubs: hubStore,
        notifyHub: (seniorId, notice) =>
          sendToHub(bus, { seniorId, message: { type: 'update', topic: 'model', data: notice } }),
      }),
      rulesRoutes(deps, {
        onRulesChanged: (seniorId, rules) =>
          sendToHub(bus, { seniorId, message: { type: 'update', topic: 'rules', data: rules } }),
      }),
    ],
  });
  const sockets = new StaffSockets(
    deps,
    { ...DEFAULT_SOCKET_LIMITS, ...options.socketLimits },
    {
      sent: (n) => metrics.wsMessages.inc({}, n),
      busLag: (s) => metrics.busLag.observe({}, s),
    },
  );
  metrics.gauge('hearth_ws_clients', 'Dashboards connected to this instance.', () => [
    [{}, sockets.clientCount],
  ]);
  metrics.gauge('hearth_alerts', 'Alerts by status.', async () => {
    const rows = await db.sql<
      { status: string; n: number }[]
    >`select status, count(*)::int as n from alerts group by status`;
    const by = new Map(rows.map((r) => [r.status, r.n]));
    return ['open', 'acknowledged', 'resolved'].map((status) => [{ status }, by.get(status) ?? 0]);
  });
  await sockets.start();
  const stopRevocations = await onStaffRevoked(bus, (staffId) => sockets.disconnectStaff(staffId));
  const hubSockets = new HubSockets(deps, hubStore);
  await hubSockets.start();
  const escalator = new AlertEscalator(deps, options.escalationTickMs);
  escalator.start();

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.on('upgrade', (req, socket, head) => {
    if (sockets.handleUpgrade(req, socket, head) || hubSockets.handleUpgrade(req, socket, head)) return;
    rejectUpgrade(
      socket,
      404,
      'NOT_FOUND',
      'no WebSocket at this path; dashboards use /ws, hubs /api/v1/hub/ws',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const wildcard = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(config.host);
  const url = `http://${wildcard ? '127.0.0.1' : config.host}:${port}`;
  log.info(
    { url, embedded: db.embedded, bus: config.redisUrl && ownsBus ? 'redis' : 'in-process' },
    'listening',
  );

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    deps,
    database: db,
    app,
    sockets,
    hubSockets,
    stop() {
      stopped ??= (async () => {
        // Refuse new connections, tell dashboards, let in-flight requests finish, then close storage.
        for (const t of housekeeping) clearInterval(t);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        stopRevocations();
        await escalator.stop();
        await sockets.stop();
        await hubSockets.stop();
        server.closeIdleConnections();
        const drained = await Promise.race([closed.then(() => true), sleep(5000).then(() => false)]);
        if (!drained) server.closeAllConnections();
        if (ownsBus) await bus.close();
        await rateLimits.close();
        if (ownsDb) await db.close();
        log.info('stopped');
      })();
      return stopped;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

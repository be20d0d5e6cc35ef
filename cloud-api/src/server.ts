import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AlertStore } from './alerts/alert-store.js';
import { AlertEscalator } from './alerts/escalator.js';
import { type CloudApp, createApp } from './app.js';
import { AuditLog } from './audit/audit-log.js';
import { onStaffRevoked, StaffSessions } from './auth/sessions.js';
import { StaffStore } from './auth/staff-store.js';
import { AccessTokens } from './auth/tokens.js';
import type { Bus } from './bus/bus.js';
import { InProcessBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import { type Clock, systemClock } from './clock.js';
import type { CloudConfig } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { prepareDatabase } from './db/roles.js';
import { detectTimeseriesMode, ensurePartitions } from './db/timeseries.js';
import type { CloudDeps } from './deps.js';
import { MemoryRateLimitStore, type RateLimitStore, RedisRateLimitStore } from './http/rate-limit.js';
import { sendToHub } from './hubs/hub-commands.js';
import { HubStore } from './hubs/hub-store.js';
import { localModelStore } from './models/cli.js';
import { ModelRegistry } from './models/registry.js';
import { modelRoutes } from './models/routes.js';
import { rulesRoutes } from './models/rules-routes.js';
import { type Module, startModules, stopModules } from './modules.js';
import { buildNotify, type NotifyFeature } from './notify/index.js';
import { CloudMetrics } from './ops/metrics.js';
import { HubSockets } from './realtime/hub-sockets.js';
import { DEFAULT_SOCKET_LIMITS, type StaffSocketLimits, StaffSockets } from './realtime/staff-sockets.js';
import { storeTopicAccess } from './realtime/topic-access.js';
import { BundleFiles } from './releases/bundle-files.js';
import { ReleaseOffers } from './releases/release-offers.js';
import { ReleaseStore } from './releases/release-store.js';
import { releaseRoutes } from './releases/routes.js';
import { SafetyCheckFlow } from './safety/safety-check-flow.js';
import { SafetyCheckStore } from './safety/safety-check-store.js';
import { SeniorStore } from './seniors/senior-store.js';
import { Upkeep } from './upkeep.js';
import { HttpListener } from './web-server.js';

/** The demo logins created by HEARTH_DEMO_ACCOUNTS=1. */
export const DEMO_ACCOUNTS = [
  { email: 'admin@demo.hearth', password: 'demo-admin', name: 'Demo Admin', role: 'admin' },
  { email: 'staff@demo.hearth', password: 'demo-staff', name: 'Demo Staff', role: 'staff' },
] as const;

/** Longest the modules together may take to stop before the process goes on without them. */
const STOP_TIMEOUT_MS = 10_000;

export interface StartCloudOptions {
  log: Logger;
  /** Use this database instead of opening one from the config (tests share one across restarts). */
  database?: Database;
  /** Use this bus instead of the configured one. */
  bus?: Bus;
  socketLimits?: Partial<StaffSocketLimits>;
  /** How often due escalations are looked for (default 5 s). */
  escalationTickMs?: number;
  /** Time for every module's timers and timestamps (default: the system clock). */
  clock?: Clock;
  /** Current time only (timers stay on the system clock); `clock` wins when both are given. */
  now?: () => Date;
  /** How often due notification deliveries are looked for (default 2 s). */
  notifyTickMs?: number;
  /** How often safety checks with an overdue hop are looked for (default 1 s). */
  safetyCheckTickMs?: number;
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
  escalator: AlertEscalator;
  /** Notification channels, the notifier and the hub watch. */
  notify: NotifyFeature;
  /**
   * Stops the modules in reverse (no new connections, escalator, hubs, dashboards told `shutdown`,
   * then in-flight requests drained), then closes the bus and (unless passed in) the database.
   */
  stop(): Promise<void>;
}

/**
 * Opens storage and the bus, builds every module (constructors only assign), then starts them in
 * order: upkeep, staff sockets, hub sockets, escalator, HTTP listener. Stops them in reverse with a
 * deadline that names the stragglers.
 * @throws when the database or Redis cannot be reached, or a module cannot start.
 */
export async function startCloud(config: CloudConfig, options: StartCloudOptions): Promise<RunningCloud> {
  const { log } = options;
  const clock: Clock =
    options.clock ?? (options.now ? { now: options.now, every: systemClock.every } : systemClock);

  // Storage and bus first: every module is built on them.
  const db =
    options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const ownsDb = !options.database;
  const applied = await prepareDatabase(db, config, log);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  const timeseries = await detectTimeseriesMode(db.sql);
  if (timeseries !== 'timescaledb') {
    const created = await ensurePartitions(db.sql, clock.now());
    if (created.length > 0) log.info({ created }, 'sensor_events partitions created');
  }
  const ownsBus = !options.bus;
  const bus = options.bus ?? (await openBus(config, log));
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
    now: () => clock.now(),
    timeseries,
    copyFromStdin: !db.embedded,
    rateLimits,
  };
  if (config.demoAccounts) await ensureDemoAccounts(db, log);

  // Build.
  const stores = {
    sql: db.sql,
    alerts: new AlertStore(db.sql),
    seniors: new SeniorStore(db.sql),
    hubs: new HubStore(db.sql, deps.now),
    checks: new SafetyCheckStore(db.sql, deps.now),
  };
  const notify = buildNotify(deps, {
    clock,
    metrics,
    instanceUrl: () => http.url,
    connectedHubIds: () => hubSockets.connectedHubIds,
    ...(options.notifyTickMs && { tickMs: options.notifyTickMs }),
  });
  const releaseStore = new ReleaseStore(db.sql);
  const offers = new ReleaseOffers({
    store: releaseStore,
    hubs: stores.hubs,
    bus,
    audit: deps.audit,
    log: log.child({ module: 'releases' }),
    baseUrl: (): string => config.notify.publicUrl ?? http.url,
  });
  const app = createApp(deps, {
    metrics,
    apiRoutes: [
      ...notify.routes,
      modelRoutes(deps, {
        registry: new ModelRegistry(db.sql, localModelStore(config.dataDir)),
        hubs: stores.hubs,
        notifyHub: (seniorId, notice) =>
          sendToHub(bus, { seniorId, message: { type: 'update', topic: 'model', data: notice } }),
        onRulesChanged: (seniorId, rules) =>
          sendToHub(bus, { seniorId, message: { type: 'update', topic: 'rules', data: rules } }),
      }),
      releaseRoutes(deps, {
        store: releaseStore,
        files: new BundleFiles(config.releases.dir),
        offers,
        hubs: stores.hubs,
      }),
      rulesRoutes(deps, {
        onRulesChanged: (seniorId, rules) =>
          sendToHub(bus, { seniorId, message: { type: 'update', topic: 'rules', data: rules } }),
      }),
    ],
  });
  // The alert fan-out looks up on a pool of its own, so an alert never waits behind uploads.
  const fast = db.priority ?? db.sql;
  const fanOutAccess = storeTopicAccess({
    sql: fast,
    alerts: new AlertStore(fast),
    seniors: new SeniorStore(fast),
    hubs: new HubStore(fast, deps.now),
    checks: new SafetyCheckStore(fast),
  });
  const sockets = new StaffSockets(
    {
      bus,
      log,
      tokens: deps.tokens,
      audit: deps.audit,
      access: storeTopicAccess(stores),
      fanOutAccess,
      clock,
    },
    { ...DEFAULT_SOCKET_LIMITS, ...options.socketLimits },
    { sent: (n) => metrics.wsMessages.inc({}, n), busLag: (s) => metrics.busLag.observe({}, s) },
  );
  metrics.gauge('hearth_ws_clients', 'Dashboards connected to this instance.', () => [
    [{}, sockets.clientCount],
  ]);
  metrics.gauge('hearth_alerts', 'Alerts by status.', async () =>
    Object.entries(await stores.alerts.countByStatus()).map(([status, n]) => [{ status }, n]),
  );
  const safetyChecks = new SafetyCheckFlow({
    sql: db.sql,
    bus,
    log: log.child({ module: 'safety-checks' }),
    clock,
    checks: stores.checks,
    escalationSeconds: config.escalationSeconds,
    tickMs: options.safetyCheckTickMs ?? 1000,
  });
  const hubSockets = new HubSockets({
    ...stores,
    bus,
    log,
    clock,
    deadlines: config.safetyChecks,
    checkChanged: (change) => safetyChecks.changed(change),
    releases: offers,
  });
  const escalator = new AlertEscalator({
    sql: db.sql,
    bus,
    log,
    clock,
    escalationSeconds: config.escalationSeconds,
    tickMs: options.escalationTickMs ?? 5000,
  });
  const http = new HttpListener(createAdaptorServer({ fetch: app.fetch }) as Server, config, [
    sockets,
    hubSockets,
  ]);
  // A signed-out or disabled person's open dashboards close at once, on whichever instance holds them.
  let stopRevocations = () => {};
  const revocations: Module = {
    name: 'staff-revocations',
    start: async () => {
      stopRevocations = await onStaffRevoked(bus, (staffId) => sockets.disconnectStaff(staffId));
    },
    stop: async () => stopRevocations(),
  };
  const modules: Module[] = [
    http.drain,
    new Upkeep({ sql: db.sql, log, clock, timeseries }),
    { name: 'staff-sockets', start: () => sockets.start(), stop: () => sockets.stop() },
    revocations,
    { name: 'hub-sockets', start: () => hubSockets.start(), stop: () => hubSockets.stop() },
    { name: 'escalator', start: () => escalator.start(), stop: () => escalator.stop() },
    safetyChecks,
    ...notify.modules,
    http,
  ];

  // Start.
  const release = async () => {
    if (ownsBus) await bus.close();
    await rateLimits.close();
    if (ownsDb) await db.close();
  };
  try {
    await startModules(modules, log, STOP_TIMEOUT_MS);
  } catch (err) {
    await release();
    throw err;
  }
  const { url, port } = http;
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
    escalator,
    notify,
    stop() {
      stopped ??= (async () => {
        await stopModules(modules, log, STOP_TIMEOUT_MS);
        await release();
        log.info('stopped');
      })();
      return stopped;
    },
  };
}

async function openBus(config: CloudConfig, log: Logger): Promise<Bus> {
  if (!config.redisUrl) return new InProcessBus((err) => log.error({ err }, 'bus handler failed'));
  const redis = new RedisBus({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    onError: (err) => log.error({ err }, 'bus handler failed'),
    onStatus: (status) => log.info({ status }, 'redis'),
  });
  await redis.connect();
  return redis;
}

async function ensureDemoAccounts(db: Database, log: Logger): Promise<void> {
  if (!db.embedded) log.warn('HEARTH_DEMO_ACCOUNTS=1 against a real database: demo logins exist');
  const staff = new StaffStore(db.sql);
  for (const account of DEMO_ACCOUNTS) {
    if (await staff.ensure(account)) log.info({ email: account.email }, 'demo account created');
  }
}

import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { alertRoutes } from './alerts/routes.js';
import { auditRoutes } from './audit/routes.js';
import { authRoutes } from './auth/routes.js';
import type { CloudDeps } from './deps.js';
import type { AppEnv } from './http/env.js';
import { ApiError, dataErrorAsApiError } from './http/errors.js';
import { resolveClientAddress } from './http/request-info.js';
import { HubStore } from './hubs/hub-store.js';
import { hubRoutes } from './hubs/routes.js';
import { ingestRoutes } from './ingest/routes.js';
import { SeniorRulesStore } from './models/rules-store.js';
import type { CloudMetrics } from './ops/metrics.js';
import { requireMetricsToken } from './ops/metrics-access.js';
import { safetyCheckRoutes } from './safety/routes.js';
import { historyRoutes } from './seniors/history-routes.js';
import { seniorRoutes } from './seniors/routes.js';
import { videoRoutes } from './video/routes.js';
import { openApiDocument } from './web/openapi.js';
import { dashboardRoutes } from './web/routes.js';

/** Hooks the composition root passes in to observe the app (metrics). */
export interface AppHooks {
  /** Serves GET /metrics and counts requests and ingested rows. */
  metrics?: CloudMetrics;
  /** Further feature routes mounted under /api/v1 (the composition root adds models and rules). */
  apiRoutes?: Hono<AppEnv>[];
}

/**
 * The HTTP API as a Hono app. Pure wiring: no listening socket, so tests can call `app.request()`.
 * Every error leaves as `{error:{code,message,details?}}`; a 500 never carries the cause.
 */
export function createApp(deps: CloudDeps, hooks: AppHooks = {}) {
  const app = new Hono<AppEnv>();
  const hubs = new HubStore(deps.sql, deps.now);

  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.:-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('clientIp', resolveClientAddress(c, deps.config.trustedProxies));
    c.set('log', deps.log.child({ requestId }));
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || 'unmatched';
    if (hooks.metrics) {
      hooks.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
      hooks.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    }
    c.var.log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
        ip: c.var.clientIp,
      },
      'request',
    );
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    try {
      await deps.sql`select 1`;
      return c.json({ status: 'ready' });
    } catch {
      throw new ApiError(503, 'NOT_READY', 'the database is not reachable');
    }
  });

  const metrics = hooks.metrics;
  if (metrics) {
    app.get('/metrics', requireMetricsToken(deps.config.metricsToken), async (c) => {
      c.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return c.body(await metrics.render());
    });
  }

  const openapi = openApiDocument();
  app.get('/openapi.json', (c) => c.json(openapi));

  const api = new Hono<AppEnv>();
  api.route('/', authRoutes(deps));
  api.route(
    '/',
    ingestRoutes(deps, hubs, (rows) => hooks.metrics?.ingestRows.inc({}, rows)),
  );
  const rules = new SeniorRulesStore(deps.sql);
  api.route(
    '/',
    hubRoutes(deps, hubs, (seniorId) => rules.forSenior(seniorId)),
  );
  api.route('/', alertRoutes(deps));
  api.route('/', historyRoutes(deps));
  api.route('/', safetyCheckRoutes(deps));
  api.route('/', videoRoutes(deps));
  api.route('/', seniorRoutes(deps));
  api.route('/', auditRoutes(deps));
  for (const routes of hooks.apiRoutes ?? []) api.route('/', routes);
  app.route('/api/v1', api);
  app.route('/', dashboardRoutes({ escalationSeconds: deps.config.escalationSeconds }));

  app.notFound((c) =>
    c.json(new ApiError(404, 'NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`).toEnvelope(), 404),
  );

  app.onError((caught, c) => {
    const err = dataErrorAsApiError(caught) ?? caught;
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.json(err.toEnvelope(), err.status);
    }
    const log = c.get('log') ?? deps.log;
    log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json({ error: { code: 'INTERNAL', message: 'the server failed; the error is logged' } }, 500);
  });

  return app;
}

export type CloudApp = ReturnType<typeof createApp>;

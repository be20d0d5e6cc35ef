// Fleet end to end: N simulated hubs (the hub's own control channel and upload link) and N staff
// dashboards on /ws, against `hearth-cloud` instances in processes of their own sharing PostgreSQL
// and Redis. Measures reading and alert latency from commit to dashboard with one instance, then with
// two, then restarts one instance mid-run (SIGTERM, as a deploy does) and measures the reconnect
// storm: time until every hub and dashboard is back on the other, alert latency meanwhile, and per
// dashboard whether any alert was lost or shown twice.
// `npm run bench -- fleet [--hubs 1000] [--seconds 30] [--per-carer 5] [--reading-every 10] [--alert-every 100]`
// Needs DATABASE_URL (a server where it may create a database) and REDIS_URL.
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ALERTS_CHANNEL } from '../cloud-api/src/alerts/alert-ring.js';
import { RedisBus } from '../cloud-api/src/bus/redis-bus.js';
import { openDatabase } from '../cloud-api/src/db/database.js';
import { EVENTS_CHANNEL } from '../cloud-api/src/seniors/live-events.js';
import { CloudProcess, freePort } from './support/cloud-process.js';
import { Balancer, FleetLog, SimDashboard, SimHub } from './support/fleet-clients.js';
import { buildFleet, createBenchDatabase, type Fleet } from './support/fleet-setup.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stats(values: number[]) {
  if (values.length === 0) return { n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
  return { n: s.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: s.at(-1)! };
}

/** Resolves when `ready()` holds, polling; @returns the time it took, or null past the timeout. */
async function until(ready: () => boolean, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (!ready()) {
    if (Date.now() - started > timeoutMs) return null;
    await sleep(20);
  }
  return Date.now() - started;
}

function options(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      hubs: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '30' },
      'per-carer': { type: 'string', default: '5' },
      'reading-every': { type: 'string', default: '10' },
      'alert-every': { type: 'string', default: '100' },
    },
    strict: true,
  });
  const n = (name: keyof typeof values, min: number) => {
    const v = Number(values[name]);
    if (!Number.isFinite(v) || v < min)
      throw new Error(`--${name} must be a number ≥ ${min}, not ${values[name]}`);
    return v;
  };
  return {
    hubs: n('hubs', 1),
    seconds: n('seconds', 5),
    perCarer: n('per-carer', 1),
    readingEveryMs: n('reading-every', 1) * 1000,
    alertEveryMs: n('alert-every', 1) * 1000,
  };
}

export default async function fleet(args: string[]): Promise<Record<string, unknown>> {
  const o = options(args);
  const adminUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!adminUrl || !redisUrl) throw new Error('the fleet bench needs DATABASE_URL and REDIS_URL');
  const db = await createBenchDatabase(adminUrl);
  const prefix = `hearth-fleet-${randomBytes(4).toString('hex')}:`;
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    HEARTH_REDIS_PREFIX: prefix,
    HEARTH_JWT_SECRET: randomBytes(32).toString('hex'),
    HEARTH_ALERT_DEDUPE_SECONDS: '0',
    // No escalation during the run: every alert change the dashboards see is one a hub uploaded.
    HEARTH_ESCALATION_SECONDS: '86400',
    LOG_LEVEL: 'warn',
  };
  const a = new CloudProcess('a', await freePort(), env);
  const b = new CloudProcess('b', await freePort(), env);
  const bus = new RedisBus({ url: redisUrl, prefix });
  const log = new FleetLog();
  const hubs: SimHub[] = [];
  const dashboards: SimDashboard[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    // One at a time: the first migrates the new database.
    await a.start();
    await b.start();
    const fleetStarted = Date.now();
    const people: Fleet = await buildFleet(db.url, env.HEARTH_JWT_SECRET, {
      homes: o.hubs,
      perCarer: o.perCarer,
    });
    const setupSeconds = (Date.now() - fleetStarted) / 1000;

    // Commit times, as the instances ring them on the bus right after each commit.
    const alertCommittedAt = new Map<string, number>();
    const readingCommittedAt = new Map<string, number>();
    await bus.connect();
    await bus.subscribe(ALERTS_CHANNEL, (m) => {
      const ring = m as { alert: { id: string }; sentAt?: number };
      if (!alertCommittedAt.has(ring.alert.id))
        alertCommittedAt.set(ring.alert.id, ring.sentAt ?? Date.now());
    });
    await bus.subscribe(EVENTS_CHANNEL, (m) => {
      const at = Date.now();
      for (const e of (m as { events: { hubId: string; seq: number }[] }).events)
        readingCommittedAt.set(`${e.hubId}:${e.seq}`, at);
    });
    loop.enable();

    const balancer = new Balancer([a.url]);
    const allUp = () => hubs.every((h) => h.up) && dashboards.every((d) => d.live);
    // The same hubs (their sequence numbers go on) and dashboards (their cursors) in every phase.
    for (const home of people.homes) hubs.push(new SimHub(home, balancer, log, o));
    for (const carer of people.carers) dashboards.push(new SimDashboard(carer, balancer, log));
    const startClients = async () => {
      // A fleet comes up over a few seconds, not in one instant: 100 clients every 100 ms.
      for (let i = 0; i < hubs.length; i++) {
        dashboards[i]?.start();
        await hubs[i]!.start();
        if (i % 100 === 99) await sleep(100);
      }
      return until(allUp, 120_000);
    };
    const stopClients = async () => {
      for (const h of hubs) h.stopSending();
      await until(() => hubs.every((h) => h.backlog === 0), 30_000);
      await sleep(1000);
      for (const d of dashboards) d.stop();
      await Promise.all(hubs.map((h) => h.stop()));
    };

    // Phase 1: one instance carries the fleet.
    const oneConnectMs = await startClients();
    const one = { from: Date.now(), to: 0 };
    await sleep(o.seconds * 1000);
    one.to = Date.now();
    await stopClients();

    // Phase 2: two instances behind the balancer.
    balancer.urls = [a.url, b.url];
    const twoConnectMs = await startClients();
    const two = { from: Date.now(), to: 0 };
    await sleep(o.seconds * 1000);
    two.to = Date.now();
    const onB = {
      hubs: hubs.filter((h) => h.instance === b.url).length,
      dashboards: dashboards.filter((d) => d.instance === b.url).length,
    };

    // Phase 3: a deploy restarts b. The balancer drains it first; clients on it reconnect to a.
    balancer.urls = [a.url];
    const storm = { from: Date.now(), to: 0 };
    const stopping = b.stop();
    const backMs = await until(
      () =>
        hubs.every((h) => h.up && h.instance === a.url) &&
        dashboards.every((d) => d.live && d.instance === a.url),
      120_000,
    );
    await stopping;
    storm.to = Date.now();
    const backlogDrainMs = await until(() => hubs.every((h) => h.backlog === 0), 60_000);
    await b.start();
    balancer.urls = [a.url, b.url];
    await sleep(Math.min(10, o.seconds) * 1000);
    const after = { from: storm.to, to: Date.now() };

    // Drain: no new readings; every alert uploaded must reach every dashboard allowed to see it.
    for (const h of hubs) h.stopSending();
    await until(() => hubs.every((h) => h.backlog === 0), 60_000);
    const expected = await expectedAlerts(db.url, people);
    const missing = () =>
      dashboards.reduce((sum, d) => {
        const got = d.alertIds;
        return sum + (expected.get(d.carer.staffId) ?? []).filter((id) => !got.has(id)).length;
      }, 0);
    // Anything still missing after this wait counts as lost.
    const drainMs = await until(() => missing() === 0, 60_000);
    const lost = missing();
    const stored = await alertCount(db.url);

    // Latency from commit (the bus ring) to each dashboard, by phase of the commit.
    const window = (w: { from: number; to: number }) => {
      const alerts = log.alerts.filter((x) => alertCommittedAt.has(x.id));
      const inW = (t: number) => t >= w.from && t < w.to;
      const alertLat = alerts
        .filter((x) => inW(alertCommittedAt.get(x.id)!))
        .map((x) => Math.max(0, x.at - alertCommittedAt.get(x.id)!));
      const alertFromUpload = log.alerts
        .filter((x) => inW(log.alertUploadedAt.get(x.hubAlertId) ?? 0))
        .map((x) => x.at - log.alertUploadedAt.get(x.hubAlertId)!);
      const readingLat: number[] = [];
      for (const r of log.readings) {
        const c = readingCommittedAt.get(r.key);
        if (c !== undefined && inW(c)) readingLat.push(Math.max(0, r.at - c));
      }
      return {
        alertCommitToDashboard: stats(alertLat),
        alertUploadToDashboard: stats(alertFromUpload),
        readingCommitToDashboard: stats(readingLat),
      };
    };
    const loopP99 = loop.percentile(99) / 1e6;
    return {
      hubs: o.hubs,
      dashboards: people.carers.length,
      seniorsPerCarer: o.perCarer,
      readingEverySeconds: o.readingEveryMs / 1000,
      alertEverySecondsPerHub: o.alertEveryMs / 1000,
      phaseSeconds: o.seconds,
      setupSeconds,
      oneInstance: { connectAllMs: oneConnectMs, ...window(one) },
      twoInstances: { connectAllMs: twoConnectMs, onSecondInstance: onB, ...window(two) },
      restart: {
        clientsOnStoppedInstance: onB,
        allBackOnOtherMs: backMs,
        backlogDrainedMs: backlogDrainMs,
        duringStorm: window(storm),
        afterStorm: window(after),
      },
      delivery: {
        alertsSent: log.alertsSent,
        alertsStored: stored,
        readingsSent: log.readingsSent,
        allShownWithinMs: drainMs,
        alertsLostAcrossDashboards: lost,
        alertsShownTwiceAcrossDashboards: dashboards.reduce((s, d) => s + d.duplicates, 0),
        dashboardsWithLoss: dashboards.filter((d) =>
          (expected.get(d.carer.staffId) ?? []).some((id) => !d.alertIds.has(id)),
        ).length,
      },
      benchEventLoopDelayP99Ms: Number(loopP99.toFixed(1)),
    };
  } finally {
    loop.disable();
    for (const d of dashboards) d.stop();
    await Promise.all(hubs.map((h) => h.stop()));
    await bus.close();
    await Promise.all([a.dispose(), b.dispose()]);
    await db.drop();
  }
}

/** Per carer, the probe alerts stored for the seniors they are assigned to. */
async function expectedAlerts(url: string, people: Fleet): Promise<Map<string, string[]>> {
  const db = await openDatabase({ databaseUrl: url, dataDir: 'memory' });
  try {
    const rows = await db.sql<
      { id: string; senior_id: string }[]
    >`select id, senior_id from alerts where kind = 'fleet_probe'`;
    const bySenior = new Map<string, string[]>();
    for (const r of rows) bySenior.set(r.senior_id, [...(bySenior.get(r.senior_id) ?? []), r.id]);
    return new Map(people.carers.map((c) => [c.staffId, c.seniorIds.flatMap((s) => bySenior.get(s) ?? [])]));
  } finally {
    await db.close();
  }
}

async function alertCount(url: string): Promise<number> {
  const db = await openDatabase({ databaseUrl: url, dataDir: 'memory' });
  try {
    const [row] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from alerts where kind = 'fleet_probe'`;
    return row!.n;
  } finally {
    await db.close();
  }
}

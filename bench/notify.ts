// Notification latency and throughput: the time from a hub's alert upload (the alert commits inside that
// request) to the Web Push request reaching the push service (a local HTTP endpoint answering 201), for
// 100 alerts one at a time; then deliveries per second under a burst of 1,000 alerts.
// Embedded (PGlite) by default; DATABASE_URL (and REDIS_URL) for the production shape.
// `npm run bench -- notify [alerts=100] [burst=1000]`
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import postgres from 'postgres';
import { StaffStore } from '../cloud-api/src/auth/staff-store.js';
import { loadConfig } from '../cloud-api/src/config.js';
import { startCloud } from '../cloud-api/src/server.js';
import { call, pairedHub, uploadBatch } from './support/cloud.js';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const round = (n: number) => Math.round(n * 10) / 10;

async function pushEndpoint() {
  const arrivals: number[] = [];
  const waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      res.writeHead(201).end();
      for (const w of waiting.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`,
    arrivals,
    async until(n: number, timeoutMs: number) {
      const deadline = performance.now() + timeoutMs;
      while (arrivals.length < n) {
        if (performance.now() > deadline) throw new Error(`only ${arrivals.length} of ${n} pushes arrived`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 1000).unref();
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function alertEvent(hubId: string, seq: number) {
  return {
    hubId,
    seq,
    ts: new Date().toISOString(),
    sensorId: 'pendant',
    kind: 'alert',
    value: null,
    // A kind of its own per alert: repeats of one kind would fold into one alert.
    alert: {
      alertId: randomUUID(),
      kind: `bench_${seq}`,
      severity: 'critical',
      source: 'button',
      message: 'Pendant button pressed',
      evidence: [],
    },
  };
}

export default async function notify(args: string[]): Promise<Record<string, unknown>> {
  const alerts = Number(args[0] ?? 100);
  const burst = Number(args[1] ?? 1000);
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-notify-'));
  const adminUrl = process.env.DATABASE_URL;
  const dbName = adminUrl ? `hearth_bench_${randomBytes(5).toString('hex')}` : undefined;
  let url: string | undefined;
  if (adminUrl && dbName) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const vapid = createECDH('prime256v1');
  vapid.generateKeys();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HEARTH_DATA_DIR: dataDir,
    HEARTH_JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    HEARTH_VAPID_PUBLIC_KEY: vapid.getPublicKey().toString('base64url'),
    HEARTH_VAPID_PRIVATE_KEY: vapid.getPrivateKey().toString('base64url'),
    ...(url && { DATABASE_URL: url }),
    ...(process.env.REDIS_URL && {
      REDIS_URL: process.env.REDIS_URL,
      HEARTH_REDIS_PREFIX: `hearth-bench-${dbName}:`,
    }),
  });
  const cloud = await startCloud(config, { log: pino({ level: 'warn' }) });
  const push = await pushEndpoint();
  try {
    const base = cloud.url;
    const sql = cloud.deps.sql;
    const staff = new StaffStore(sql);
    const password = randomBytes(12).toString('hex');
    await staff.create({ email: 'bench-admin@bench.hearth', password, name: 'Bench Admin', role: 'admin' });
    const carer = await staff.create({
      email: 'bench-carer@bench.hearth',
      password,
      name: 'Bench Carer',
      role: 'staff',
    });
    const login = async (email: string) =>
      (
        (await (
          await fetch(`${base}/api/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password }),
          })
        ).json()) as { accessToken: string }
      ).accessToken;
    const adminToken = await login('bench-admin@bench.hearth');
    const carerToken = await login('bench-carer@bench.hearth');
    const hub = await pairedHub(base, adminToken);
    await call(base, adminToken, `seniors/${hub.seniorId}/staff`, { staffId: carer.id });
    const browser = createECDH('prime256v1');
    browser.generateKeys();
    await call(base, carerToken, 'me/push-subscriptions', {
      endpoint: push.url,
      keys: {
        p256dh: browser.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      },
    });

    let seq = 0;
    const latencies: number[] = [];
    for (let i = 0; i < alerts; i++) {
      const before = push.arrivals.length;
      const started = performance.now();
      await uploadBatch(
        base,
        hub.apiKey,
        gzipSync(JSON.stringify({ events: [alertEvent(hub.hubId, ++seq)] })),
      );
      await push.until(before + 1, 30_000);
      latencies.push(push.arrivals[before]! - started);
    }
    latencies.sort((a, b) => a - b);

    const before = push.arrivals.length;
    const burstStarted = performance.now();
    for (let sent = 0; sent < burst; sent += 100) {
      const events = Array.from({ length: Math.min(100, burst - sent) }, () => alertEvent(hub.hubId, ++seq));
      await uploadBatch(base, hub.apiKey, gzipSync(JSON.stringify({ events })));
    }
    const uploadedSeconds = (performance.now() - burstStarted) / 1000;
    await push.until(before + burst, 600_000);
    const burstSeconds = (push.arrivals[before + burst - 1]! - burstStarted) / 1000;
    const [dup] = await sql<{ n: number }[]>`
      select count(*)::int as n from (select alert_id from notify_deliveries group by alert_id, staff_id, channel, level having count(*) > 1) d`;

    return {
      database: url ? 'postgres' : 'pglite',
      bus: process.env.REDIS_URL && url ? 'redis' : 'in-process',
      uploadToPushMs: {
        alerts,
        median: round(pct(latencies, 0.5)),
        p99: round(pct(latencies, 0.99)),
        max: round(latencies[latencies.length - 1]!),
      },
      burst: {
        alerts: burst,
        uploadSeconds: round(uploadedSeconds),
        allPushedSeconds: round(burstSeconds),
        deliveriesPerSecond: round(burst / burstSeconds),
        pushRequests: push.arrivals.length - before,
        duplicateDeliveries: dup?.n ?? 0,
      },
    };
  } finally {
    await cloud.stop();
    await push.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (adminUrl && dbName) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

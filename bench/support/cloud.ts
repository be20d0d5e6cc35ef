// Starts a cloud instance for a benchmark: embedded (PGlite) by default, or against DATABASE_URL in a
// throwaway database that is dropped afterwards. Same code path as production.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import postgres from 'postgres';
import { StaffStore } from '../../cloud-api/src/auth/staff-store.js';
import { loadConfig } from '../../cloud-api/src/config.js';
import { HubStore } from '../../cloud-api/src/hubs/hub-store.js';
import type { StaffSocketLimits } from '../../cloud-api/src/realtime/staff-sockets.js';
import { type RunningCloud, startCloud } from '../../cloud-api/src/server.js';

export interface BenchCloud {
  cloud: RunningCloud;
  target: 'pglite' | 'postgres';
  adminToken: string;
  stop(): Promise<void>;
}

export async function startBenchCloud(socketLimits?: Partial<StaffSocketLimits>): Promise<BenchCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-cloud-'));
  const adminUrl = process.env.DATABASE_URL;
  let dbName: string | undefined;
  let url: string | undefined;
  if (adminUrl) {
    dbName = `hearth_bench_${randomBytes(5).toString('hex')}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HEARTH_DATA_DIR: dataDir,
    HEARTH_JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    ...(url && { DATABASE_URL: url }),
    ...(process.env.REDIS_URL && {
      REDIS_URL: process.env.REDIS_URL,
      HEARTH_REDIS_PREFIX: `hearth-bench-${dbName}:`,
    }),
  });
  const cloud = await startCloud(config, {
    log: pino({ level: 'warn' }),
    ...(socketLimits && { socketLimits }),
  });
  const email = 'bench-admin@bench.hearth';
  const password = randomBytes(12).toString('hex');
  await new StaffStore(cloud.deps.sql).create({ email, password, name: 'Bench', role: 'admin' });
  const login = await fetch(`${cloud.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  return {
    cloud,
    target: url ? 'postgres' : 'pglite',
    adminToken,
    async stop() {
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (adminUrl && dbName) {
        const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    },
  };
}

/** POST as JSON with the bench admin's token; throws on a non-2xx answer. */
export async function call<T>(base: string, token: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A senior with a hub paired through the HTTP claim. @throws naming the status when a step is refused. */
export async function pairedHub(base: string, token: string) {
  const senior = await call<{ id: string }>(base, token, 'seniors', { name: 'Bench Senior' });
  const code = await call<{ code: string }>(base, token, `seniors/${senior.id}/pairing-codes`, {});
  const claim = await fetch(`${base}/api/v1/hubs/claim`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: code.code, deviceId: `bench-${randomBytes(4).toString('hex')}` }),
  });
  const text = await claim.text();
  if (claim.status !== 201) throw new Error(`hubs/claim: ${claim.status} ${text}`);
  return { seniorId: senior.id, ...(JSON.parse(text) as { hubId: string; apiKey: string }) };
}

/**
 * `count` seniors with a paired hub each. The HTTP claim allows 10 attempts a minute from one address
 * (it guards codes against guessing), so a fleet is claimed through the hub store the route uses,
 * as the route would after its rate limit; codes come from the admin API as usual.
 * @throws when a senior, a code or a claim is refused.
 */
export async function pairedHubs(bench: BenchCloud, count: number) {
  const { url } = bench.cloud;
  const store = new HubStore(bench.cloud.deps.sql, () => new Date());
  const hubs: { seniorId: string; hubId: string; apiKey: string }[] = [];
  for (let i = 0; i < count; i++) {
    const senior = await call<{ id: string }>(url, bench.adminToken, 'seniors', {
      name: `Bench Senior ${i}`,
    });
    const code = await call<{ code: string }>(
      url,
      bench.adminToken,
      `seniors/${senior.id}/pairing-codes`,
      {},
    );
    const claimed = await store.claim(code.code, `bench-${i}-${randomBytes(4).toString('hex')}`);
    if (!claimed) throw new Error(`pairing code for senior ${senior.id} was refused`);
    hubs.push({ seniorId: senior.id, hubId: claimed.hubId, apiKey: claimed.apiKey });
  }
  return hubs;
}

/** Posts one gzip-compressed batch as a hub does. @throws naming the status when the cloud refuses it. */
export async function uploadBatch(base: string, apiKey: string, body: Uint8Array): Promise<void> {
  const res = await fetch(`${base}/api/v1/hub/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'hearth-protocol': '1',
    },
    body,
  });
  if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

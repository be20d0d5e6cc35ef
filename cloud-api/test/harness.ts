// Starts a real cloud instance in this process (real HTTP server, real /ws) against a test target,
// with helpers that act as an admin, a staff member or a hub would.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Role, SensorEvent } from '@hearth/shared';
import { type Logger, pino } from 'pino';
import { StaffStore } from '../src/auth/staff-store.js';
import type { Bus } from '../src/bus/bus.js';
import type { Clock } from '../src/clock.js';
import { type CloudConfig, loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import type { StaffSocketLimits } from '../src/realtime/staff-sockets.js';
import { type RunningCloud, startCloud } from '../src/server.js';
import type { DatabaseTarget } from './targets.js';
import { WsTestClient } from './ws-client.js';

/** Answer bodies are loosely typed on purpose: the assertions are what check them. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

export interface ApiAnswer<T = Loose> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestCloudOptions {
  /** Share this database (e.g. two instances on one PostgreSQL). */
  databaseUrl?: string;
  database?: Database;
  bus?: Bus;
  env?: Record<string, string>;
  socketLimits?: Partial<StaffSocketLimits>;
  escalationTickMs?: number;
  now?: () => Date;
  /** Drive every module's timers with this clock (e.g. a FakeClock). */
  clock?: Clock;
  /** Log here instead of nowhere (tests that read the logs). */
  log?: Logger;
}

const silent = () => pino({ level: process.env.HEARTH_TEST_LOG ?? 'silent' });

/** A running instance plus the helpers tests use. */
export class TestCloud {
  private constructor(
    readonly cloud: RunningCloud,
    readonly config: CloudConfig,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(options: TestCloudOptions = {}): Promise<TestCloud> {
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-cloud-test-'));
    const env: Record<string, string> = {
      PORT: '0',
      HOST: '127.0.0.1',
      HEARTH_DATA_DIR: dataDir,
      HEARTH_JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
      ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
      ...options.env,
    };
    const config = loadConfig(env);
    let database = options.database;
    let ownDb: Database | undefined;
    if (!database && !options.databaseUrl) {
      ownDb = await openDatabase({ databaseUrl: undefined, dataDir: 'memory' });
      database = ownDb;
    }
    const cloud = await startCloud(config, {
      log: options.log ?? silent(),
      ...(database && { database }),
      ...(options.bus && { bus: options.bus }),
      ...(options.socketLimits && { socketLimits: options.socketLimits }),
      ...(options.now && { now: options.now }),
      ...(options.clock && { clock: options.clock }),
      ...(options.escalationTickMs && { escalationTickMs: options.escalationTickMs }),
    });
    return new TestCloud(cloud, config, async () => {
      await ownDb?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
  }

  get url(): string {
    return this.cloud.url;
  }

  get sql() {
    return this.cloud.deps.sql;
  }

  async stop(): Promise<void> {
    await this.cloud.stop();
    await this.cleanup();
  }

  /** Sends a request; `body` objects are sent as JSON, strings and Buffers as they are. */
  async api<T = Loose>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: RequestInit['body'] | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body =
        typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
          ? (opts.body as RequestInit['body'])
          : JSON.stringify(opts.body);
    }
    const res = await fetch(`${this.url}${path.startsWith('/') ? path : `/api/v1/${path}`}`, {
      method,
      headers,
      ...(body !== undefined && { body }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Creates an account directly in the database and logs in. */
  async staff(role: Role, name = `${role} ${randomBytes(3).toString('hex')}`) {
    const email = `${name.replace(/\W+/g, '.')}@test.hearth`.toLowerCase();
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const member = await new StaffStore(this.sql).create({ email, name, role, password });
    const login = await this.api('POST', 'auth/login', { body: { email, password } });
    if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
    return {
      ...member,
      password,
      token: login.body.accessToken as string,
      refreshToken: login.body.refreshToken as string,
    };
  }

  async senior(adminToken: string, name = 'Ada Senior'): Promise<string> {
    const res = await this.api('POST', 'seniors', {
      token: adminToken,
      body: { name, timezone: 'Europe/Berlin' },
    });
    if (res.status !== 201) throw new Error(`create senior failed: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async assign(adminToken: string, seniorId: string, staffId: string): Promise<void> {
    const res = await this.api('POST', `seniors/${seniorId}/staff`, { token: adminToken, body: { staffId } });
    if (res.status !== 200) throw new Error(`assign failed: ${JSON.stringify(res.body)}`);
  }

  /** Pairing code + claim, as a technician and a hub would. */
  async pairHub(adminToken: string, seniorId: string, deviceId = `pi-${randomBytes(4).toString('hex')}`) {
    const code = await this.api('POST', `seniors/${seniorId}/pairing-codes`, { token: adminToken });
    if (code.status !== 201) throw new Error(`pairing code failed: ${JSON.stringify(code.body)}`);
    const claim = await this.api('POST', 'hubs/claim', { body: { code: code.body.code, deviceId } });
    if (claim.status !== 201) throw new Error(`claim failed: ${JSON.stringify(claim.body)}`);
    return claim.body as { hubId: string; apiKey: string; seniorId: string };
  }

  /** Uploads events as the hub does: gzip, protocol header, API key. */
  upload(apiKey: string, events: SensorEvent[] | unknown, opts: { gzip?: boolean } = {}) {
    const json = JSON.stringify(Array.isArray(events) ? { events } : events);
    const gzip = opts.gzip ?? true;
    return this.api('POST', 'hub/events', {
      token: apiKey,
      body: gzip ? gzipSync(json) : json,
      headers: { 'hearth-protocol': '1', ...(gzip && { 'content-encoding': 'gzip' }) },
    });
  }

  ws(token: string, via: 'header' | 'query' = 'query'): Promise<WsTestClient> {
    return WsTestClient.connect(this.url, token, via);
  }

  /** The hub's control socket, authenticated with its API key. */
  hubWs(apiKey: string): Promise<WsTestClient> {
    return WsTestClient.connect(this.url, apiKey, 'header', '/api/v1/hub/ws');
  }

  /** Rows stored for a hub, in seq order. */
  async storedSeqs(hubId: string): Promise<number[]> {
    const rows = await this.sql<
      { seq: number }[]
    >`select seq from sensor_events where hub_id = ${hubId} order by seq`;
    return rows.map((r) => r.seq);
  }
}

/** A plain sensor reading for a hub. */
export function reading(hubId: string, seq: number, extra: Partial<SensorEvent> = {}): SensorEvent {
  return {
    hubId,
    seq,
    ts: new Date(Date.UTC(2026, 10, 22, 3, 0, seq % 60)).toISOString(),
    sensorId: 'pir-hall',
    kind: 'motion',
    value: true,
    room: 'hall',
    ...extra,
  };
}

/** A pendant-press alert event. */
export function pendantAlert(
  hubId: string,
  seq: number,
  alertId: string,
  kind = 'pendant_pressed',
): SensorEvent {
  return {
    hubId,
    seq,
    ts: new Date().toISOString(),
    sensorId: 'pendant',
    kind: 'alert',
    value: null,
    alert: {
      alertId,
      kind,
      severity: 'critical',
      source: 'button',
      message: 'Pendant button pressed',
      evidence: [{ sensorId: 'pendant' }],
    },
  };
}

/** Starts a cloud on a fresh database of `target`; returns it and a teardown that drops the database. */
export async function cloudOn(target: DatabaseTarget, options: TestCloudOptions = {}) {
  const created = await target.createDatabase();
  const cloud = await TestCloud.start({ ...options, ...(created.url && { databaseUrl: created.url }) });
  return {
    cloud,
    databaseUrl: created.url,
    async teardown() {
      await cloud.stop();
      await created.drop();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadNotifyConfig, type NotifyConfig } from './notify/notify-config.js';
import { loadReleaseConfig, type ReleaseConfig } from './releases/release-config.js';
import type { SafetyCheckDeadlines } from './safety/safety-check-store.js';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const flag = z
  .enum(['0', '1', 'true', 'false', ''])
  .default('0')
  .transform((v) => v === '1' || v === 'true');

/** The cloud's settings as read from the environment; every field has a typed default or is optional. */
export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * The schema owner's URL, used only to migrate (`hearth-cloud migrate`, and `serve` when set):
   * the server's own DATABASE_URL role then needs no ownership, only the grants migrate gives it.
   */
  HEARTH_MIGRATION_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  HEARTH_DATA_DIR: z.string().min(1).optional(),
  HEARTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: LogLevel.default('info'),
  HEARTH_DEMO_ACCOUNTS: flag,
  /** Prefix for every Redis channel, so several deployments (or test runs) can share one Redis. */
  HEARTH_REDIS_PREFIX: z.string().max(64).default('hearth:'),
  /** Largest request body the API reads, after decompression. */
  HEARTH_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** Seconds an unacknowledged alert waits before each escalation step. */
  HEARTH_ESCALATION_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Seconds within which a second alert of the same kind for the same senior folds into the first. */
  HEARTH_ALERT_DEDUPE_SECONDS: z.coerce.number().int().min(0).default(120),
  /** Reverse proxies in front of the API whose X-Forwarded-For is trusted (0: none). */
  HEARTH_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  /** TURN servers for video (comma-separated `turn:`/`turns:` URIs) and coturn's `static-auth-secret`. */
  HEARTH_TURN_URLS: z
    .string()
    .regex(/^(turns?:[^,\s]+)(,turns?:[^,\s]+)*$/, 'expected comma-separated turn: or turns: URIs')
    .optional(),
  HEARTH_TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** STUN servers offered for video (comma-separated `stun:` URIs). */
  /** Bearer token Prometheus must send to read /metrics; absent, /metrics answers 404. */
  HEARTH_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  HEARTH_STUN_URLS: z
    .string()
    .regex(/^(stun:[^,\s]+)(,stun:[^,\s]+)*$/, 'expected comma-separated stun: URIs')
    .optional(),
  /** Longest a live video session lasts before it ends by itself. */
  HEARTH_VIDEO_SESSION_SECONDS: z.coerce.number().int().min(10).max(3600).default(600),
  /** Seconds a staff safety check may take to reach the hub before it is undelivered (hub offline). */
  HEARTH_SAFETY_CHECK_DELIVER_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /** Seconds the hub may take to send it to a robot (else: robot offline). */
  HEARTH_SAFETY_CHECK_SEND_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Seconds the robot may take to acknowledge it (else: robot did not answer); above the hub's own ack timeout. */
  HEARTH_SAFETY_CHECK_ACK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Seconds from acknowledgement (or the last progress) to the result (else: robot did not answer). */
  HEARTH_SAFETY_CHECK_RESULT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
});

export type LogLevel = z.infer<typeof LogLevel>;

/** Validated configuration handed to every module; nothing reads `process.env` after this. */
export interface CloudConfig {
  port: number;
  host: string;
  /** Absent: embedded PGlite under `dataDir/pgdata`. */
  databaseUrl: string | undefined;
  /** Owner role's URL for migrations; absent, the server's own role migrates (one role for both). */
  migrationDatabaseUrl: string | undefined;
  /** Absent: the in-process bus (one instance only). */
  redisUrl: string | undefined;
  redisPrefix: string;
  dataDir: string;
  jwtSecret: string;
  logLevel: LogLevel;
  demoAccounts: boolean;
  maxBodyBytes: number;
  escalationSeconds: number;
  alertDedupeSeconds: number;
  /** Reverse proxies whose X-Forwarded-For entries are believed when finding the caller's address. */
  trustedProxies: number;
  /** Token Prometheus sends as `Authorization: Bearer`; absent, /metrics is not served. */
  metricsToken: string | undefined;
  /** ICE settings for video sessions. */
  turn: { turnUrls: string[]; turnSecret: string | undefined; stunUrls: string[] };
  /** Longest a live video session lasts, in seconds. */
  videoSessionSeconds: number;
  /** Notification channels (push, email, webhooks) and the hub-silence alert: notify/notify-config.ts. */
  notify: NotifyConfig;
  /** How long each hop of a staff safety check may take before it is shown undelivered. */
  safetyChecks: SafetyCheckDeadlines;
  /** Over-the-air hub releases (where bundles live, the release public key): releases/release-config.ts. */
  releases: ReleaseConfig;
}

/** Thrown when the environment is wrong; the message names each bad setting and its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment. In embedded mode a missing JWT secret is generated once and
 * kept in the data directory (mode 0600) so tokens survive a restart; with DATABASE_URL it is required.
 * @throws ConfigError naming every setting that is invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CloudConfig {
  // An empty value means "not set", as docker compose passes variables it has no value for.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '?');
      const value = env[key];
      const shown = key.includes('SECRET') || key.endsWith('_URL') ? '(hidden)' : JSON.stringify(value);
      return `${key}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = result.data;
  if (e.HEARTH_TURN_URLS && !e.HEARTH_TURN_SECRET) {
    throw new ConfigError('invalid configuration: HEARTH_TURN_URLS is set but HEARTH_TURN_SECRET is not');
  }
  if (e.HEARTH_MIGRATION_DATABASE_URL && !e.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration: HEARTH_MIGRATION_DATABASE_URL is set but DATABASE_URL is not (embedded mode separates the roles itself)',
    );
  }
  const dataDir = resolve(cwd, e.HEARTH_DATA_DIR ?? join('.hearth', 'cloud'));
  let jwtSecret = e.HEARTH_JWT_SECRET;
  if (!jwtSecret) {
    if (e.DATABASE_URL) {
      throw new ConfigError(
        'invalid configuration: HEARTH_JWT_SECRET is required when DATABASE_URL is set (every instance must share it)',
      );
    }
    jwtSecret = loadOrCreateSecret(dataDir);
  }
  // Notification settings: their own schema in notify/notify-config.ts, read from the same environment.
  const notify = loadNotifyConfig(env, { dataDir, embedded: !e.DATABASE_URL });
  if ('problems' in notify) throw new ConfigError(`invalid configuration: ${notify.problems.join('; ')}`);
  const releases = loadReleaseConfig(env, { dataDir, cwd });
  if ('problems' in releases) throw new ConfigError(`invalid configuration: ${releases.problems.join('; ')}`);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.HEARTH_MIGRATION_DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.HEARTH_REDIS_PREFIX,
    dataDir,
    jwtSecret,
    logLevel: e.LOG_LEVEL,
    demoAccounts: e.HEARTH_DEMO_ACCOUNTS,
    maxBodyBytes: e.HEARTH_MAX_BODY_BYTES,
    escalationSeconds: e.HEARTH_ESCALATION_SECONDS,
    alertDedupeSeconds: e.HEARTH_ALERT_DEDUPE_SECONDS,
    trustedProxies: e.HEARTH_TRUSTED_PROXIES,
    metricsToken: e.HEARTH_METRICS_TOKEN,
    turn: {
      turnUrls: e.HEARTH_TURN_URLS?.split(',') ?? [],
      turnSecret: e.HEARTH_TURN_SECRET,
      stunUrls: e.HEARTH_STUN_URLS?.split(',') ?? [],
    },
    videoSessionSeconds: e.HEARTH_VIDEO_SESSION_SECONDS,
    notify: notify.config,
    safetyChecks: {
      deliverSeconds: e.HEARTH_SAFETY_CHECK_DELIVER_SECONDS,
      sendSeconds: e.HEARTH_SAFETY_CHECK_SEND_SECONDS,
      ackSeconds: e.HEARTH_SAFETY_CHECK_ACK_SECONDS,
      resultSeconds: e.HEARTH_SAFETY_CHECK_RESULT_SECONDS,
    },
    releases: releases.config,
  };
}

function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
    throw new ConfigError(`invalid configuration: ${file} holds a secret shorter than 32 characters`);
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  // 'wx' fails if another process created it first; then we read theirs so both agree.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return secret;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}

import type { Logger } from 'pino';
import type { AuditLog } from './audit/audit-log.js';
import type { AccessTokens } from './auth/tokens.js';
import type { Bus } from './bus/bus.js';
import type { CloudConfig } from './config.js';
import type { Sql } from './db/database.js';
import type { TimeseriesMode } from './db/timeseries.js';
import type { RateLimitStore } from './http/rate-limit.js';

/** Everything a route or service may use; built once by the composition root. */
export interface CloudDeps {
  config: CloudConfig;
  sql: Sql;
  bus: Bus;
  log: Logger;
  tokens: AccessTokens;
  audit: AuditLog;
  /** How sensor history is stored: a TimescaleDB hypertable or native monthly partitions. */
  timeseries: TimeseriesMode;
  /** The database takes `COPY … FROM STDIN` (real PostgreSQL; PGlite's socket does not carry it). */
  copyFromStdin: boolean;
  /** Where rate-limit counts live (Redis when configured, so all instances share a budget). */
  rateLimits: RateLimitStore;
  /** Current time; tests replace it. */
  now: () => Date;
}

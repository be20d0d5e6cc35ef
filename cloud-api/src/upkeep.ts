import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Sql } from './db/database.js';
import { ensurePartitions, refreshActivity, type TimeseriesMode } from './db/timeseries.js';
import type { Module } from './modules.js';
import { purgeExpired } from './ops/housekeeping.js';

/**
 * The cloud's periodic chores, on the injected clock: spent credentials are purged hourly; without
 * TimescaleDB, sensor partitions are created ahead of time and the activity rollup is refreshed.
 */
export class Upkeep implements Module {
  readonly name = 'upkeep';
  private readonly stops: (() => void)[] = [];

  constructor(private readonly deps: { sql: Sql; log: Logger; clock: Clock; timeseries: TimeseriesMode }) {}

  start(): void {
    const { sql, log, clock, timeseries } = this.deps;
    const every = (ms: number, what: string, task: () => Promise<unknown>) =>
      this.stops.push(
        clock.every(ms, () => void task().catch((err) => log.error({ err }, `${what} failed`))),
      );
    every(3600_000, 'purging expired credentials', () => purgeExpired(sql));
    if (timeseries === 'timescaledb') return;
    every(6 * 3600_000, 'creating partitions', () => ensurePartitions(sql, clock.now()));
    every(5 * 60_000, 'activity rollup', () =>
      refreshActivity(sql, new Date(clock.now().getTime() - 3 * 3600_000), clock.now()),
    );
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}

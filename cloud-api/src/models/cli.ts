import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelAvailable } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import { TrainingError } from './baseline.js';
import { LocalDirectoryObjectStore, type ObjectStore } from './object-store.js';
import { ModelRegistry } from './registry.js';
import { DEFAULT_TRAINING_DAYS, trainSeniorModel } from './training.js';

export const TRAIN_USAGE = 'usage: hearth-cloud train --senior <senior id> [--days <7-365>] [--no-activate]';

/** Where models live by default: `<HEARTH_DATA_DIR>/models`. */
export function localModelStore(dataDir: string): ObjectStore {
  return new LocalDirectoryObjectStore(join(dataDir, 'models'));
}

export interface TrainCommandContext {
  sql: Sql;
  store: ObjectStore;
  /** Where the one-line result and errors go (default: the console). */
  out?: { log(line: string): void; error(line: string): void };
  now?: () => Date;
  /** Tells the senior's hub about the new active model, when the command can reach the bus. */
  notifyHub?: (seniorId: string, notice: ModelAvailable) => Promise<void>;
}

/**
 * `hearth-cloud train --senior <id> [--days N] [--no-activate]`: fits the senior's model from
 * their history, registers it and activates it. Prints the new version as one JSON line.
 * @returns the exit code: 0 trained, 1 could not train (too little history, unknown senior), 2 bad usage.
 */
export async function trainCommand(args: string[], ctx: TrainCommandContext): Promise<number> {
  const out = ctx.out ?? console;
  let values: { senior?: string | undefined; days?: string | undefined; 'no-activate'?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { senior: { type: 'string' }, days: { type: 'string' }, 'no-activate': { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    out.error(`hearth-cloud train: ${(err as Error).message}\n${TRAIN_USAGE}`);
    return 2;
  }
  const days = values.days === undefined ? DEFAULT_TRAINING_DAYS : Number(values.days);
  if (!values.senior || !/^[0-9a-f-]{36}$/i.test(values.senior)) {
    out.error(`hearth-cloud train: --senior must be a senior's UUID\n${TRAIN_USAGE}`);
    return 2;
  }
  if (!Number.isInteger(days) || days < 7 || days > 365) {
    out.error(
      `hearth-cloud train: --days must be a whole number from 7 to 365, got ${values.days}\n${TRAIN_USAGE}`,
    );
    return 2;
  }
  const registry = new ModelRegistry(ctx.sql, ctx.store);
  try {
    const { model, activated } = await trainSeniorModel(
      { sql: ctx.sql, registry, now: ctx.now ?? (() => new Date()) },
      { seniorId: values.senior, days, activate: !values['no-activate'] },
    );
    if (activated) await ctx.notifyHub?.(model.seniorId, { version: model.version, sha256: model.sha256 });
    out.log(
      JSON.stringify({
        seniorId: model.seniorId,
        version: model.version,
        sha256: model.sha256,
        active: activated,
        threshold: model.threshold,
        metrics: model.metrics,
      }),
    );
    return 0;
  } catch (err) {
    if (err instanceof TrainingError) {
      out.error(`hearth-cloud train: cannot train (${err.code}): ${err.message}`);
      return 1;
    }
    throw err;
  }
}

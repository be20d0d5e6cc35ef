import type { RulesConfig } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import { fitBaseline, TrainingError } from './baseline.js';
import { loadRoutineHistory } from './history.js';
import { writeOnnxModel } from './onnx-writer.js';
import type { ModelRecord, ModelRegistry } from './registry.js';
import { learnSeniorStillness } from './stillness.js';

export interface TrainDeps {
  sql: Sql;
  registry: ModelRegistry;
  now: () => Date;
}

export interface TrainRequest {
  seniorId: string;
  /** Days of history to learn from, ending now. */
  days?: number;
  /** Make the new version the active one (default true). */
  activate?: boolean;
  /** Staff member who asked, for the registry and the audit log. */
  createdBy?: string | null;
}

export interface TrainResult {
  model: ModelRecord;
  activated: boolean;
  /** The rule settings with what is usual for the senior learned afresh beside the model; the caller tells the hub. */
  rules: RulesConfig;
}

export const DEFAULT_TRAINING_DAYS = 28;

/**
 * Fits the senior's baseline from their history, writes it as ONNX, registers it and (by
 * default) activates it; beside it, learns what stillness is usual for them (kept with their
 * rules). The caller tells the hub about both.
 * @throws TrainingError UNKNOWN_SENIOR / NOT_ENOUGH_HISTORY / NO_ROOMS; storage errors as they are.
 */
export async function trainSeniorModel(deps: TrainDeps, request: TrainRequest): Promise<TrainResult> {
  const [senior] = await deps.sql<
    { timezone: string }[]
  >`select timezone from seniors where id = ${request.seniorId}`;
  if (!senior) throw new TrainingError('UNKNOWN_SENIOR', `no senior ${request.seniorId}`);
  const to = deps.now();
  const days = request.days ?? DEFAULT_TRAINING_DAYS;
  const from = new Date(to.getTime() - days * 86_400_000);
  const events = await loadRoutineHistory(deps.sql, request.seniorId, { from, to });
  const started = performance.now();
  const baseline = fitBaseline(events, { timezone: senior.timezone });
  const bytes = writeOnnxModel(baseline, { seniorId: request.seniorId, trainedAt: to.toISOString() });
  const model = await deps.registry.register({
    seniorId: request.seniorId,
    bytes,
    source: 'trained',
    threshold: baseline.threshold,
    featureSpec: baseline.spec,
    metrics: {
      events: events.length,
      windows: baseline.samples,
      historyFrom: new Date(baseline.from).toISOString(),
      historyTo: new Date(baseline.to).toISOString(),
      fitMs: Math.round(performance.now() - started),
    },
    createdBy: request.createdBy ?? null,
  });
  const { rules } = await learnSeniorStillness({ sql: deps.sql, now: deps.now }, request.seniorId);
  if (request.activate === false) return { model, activated: false, rules };
  return {
    model: await deps.registry.activate(request.seniorId, model.version, request.createdBy ?? null),
    activated: true,
    rules,
  };
}

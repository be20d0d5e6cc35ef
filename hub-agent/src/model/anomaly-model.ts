import { createHash } from 'node:crypto';
import {
  behaviourFeatureCount,
  FeatureSpec,
  featureCount,
  HOURS_PER_WEEK,
  MAX_MODEL_BYTES,
} from '@hearth/shared';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import type { AnomalyModel, AnomalyOutput } from '../detect/anomaly.js';
import { readOnnxMetadata } from './onnx-metadata.js';

/** The format tag the cloud's trainer writes; anything else is not a model this hub can run. */
export const MODEL_FORMAT = 'hearth-anomaly/1';

export type ModelRejection =
  | 'TOO_LARGE'
  | 'HASH_MISMATCH'
  | 'NOT_A_HEARTH_MODEL'
  | 'LOAD_FAILED'
  | 'PROBE_FAILED';

/** A model file the hub refused; `code` says why and the message says what to do. */
export class ModelRejectedError extends Error {
  constructor(
    readonly code: ModelRejection,
    message: string,
  ) {
    super(message);
  }
}

/** A model loaded into onnxruntime, verified and probed. */
export interface LoadedModel extends AnomalyModel {
  /** Behaviour feature names, in vector order. */
  readonly names: readonly string[];
  readonly trainedAt: string | undefined;
  /** Frees the native session; scoring afterwards rejects. Safe to call twice. */
  release(): Promise<void>;
}

const Probe = z.object({
  hourOfWeek: z
    .number()
    .int()
    .min(0)
    .max(HOURS_PER_WEEK - 1),
  behaviour: z.array(z.number()),
  score: z.number().nonnegative(),
});

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A tiny model scored a few times a minute on a Pi that also runs the broker and video: one thread
 * that sleeps between runs (spinning workers burn a core), and no memory arena or pattern planning,
 * which reserve megabytes to speed up large, repeated tensor shapes this model never has.
 */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  executionMode: 'sequential',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  enableCpuMemArena: false,
  enableMemPattern: false,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/**
 * Verifies, loads and probes a model file. The probe vector stored in the model must come out
 * with the score the trainer computed; a file that loads but computes nonsense is rejected.
 * @throws ModelRejectedError (never anything else) when the model must not be used.
 */
export async function loadAnomalyModel(
  bytes: Uint8Array,
  options: { version: string; expectedSha256?: string },
): Promise<LoadedModel> {
  if (bytes.byteLength > MAX_MODEL_BYTES) {
    throw new ModelRejectedError(
      'TOO_LARGE',
      `model is ${bytes.byteLength} bytes, the limit is ${MAX_MODEL_BYTES}`,
    );
  }
  const sha256 = sha256Hex(bytes);
  if (options.expectedSha256 && options.expectedSha256 !== sha256) {
    throw new ModelRejectedError(
      'HASH_MISMATCH',
      `model sha256 is ${sha256}, expected ${options.expectedSha256}: the download is corrupt or was tampered with`,
    );
  }

  const { spec, names, threshold, probe, trainedAt } = readHeader(bytes);
  const D = featureCount(spec);
  const B = behaviourFeatureCount(spec);
  if (probe.behaviour.length !== B || names.length !== B) {
    throw new ModelRejectedError(
      'NOT_A_HEARTH_MODEL',
      `model metadata describes ${names.length} features, its spec ${B}`,
    );
  }

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (err) {
    throw new ModelRejectedError(
      'LOAD_FAILED',
      `onnxruntime could not load the model: ${(err as Error).message}`,
    );
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await session.release();
  };

  const score = async (features: Float32Array): Promise<AnomalyOutput> => {
    if (features.length !== D)
      throw new Error(`feature vector has ${features.length} values, the model needs ${D}`);
    const out = await session.run({ features: new ort.Tensor('float32', features, [1, D]) });
    const s = out.score?.data as Float32Array | undefined;
    const c = out.contributions?.data as Float32Array | undefined;
    const e = out.expected?.data as Float32Array | undefined;
    if (!s || !c || !e || s.length !== 1 || c.length !== B || e.length !== B) {
      throw new Error('model outputs do not have the expected shape');
    }
    return { score: s[0] as number, contributions: c, expected: e };
  };

  try {
    const input = new Float32Array(D);
    input.set(probe.behaviour);
    input[B + probe.hourOfWeek] = 1;
    const out = await score(input);
    const tolerance = 1e-3 * Math.max(1, probe.score);
    const finite =
      Number.isFinite(out.score) &&
      out.contributions.every(Number.isFinite) &&
      out.expected.every(Number.isFinite);
    if (!finite || Math.abs(out.score - probe.score) > tolerance) {
      throw new Error(`probe scored ${out.score}, the trainer computed ${probe.score}`);
    }
  } catch (err) {
    await release();
    throw new ModelRejectedError('PROBE_FAILED', `model failed its sanity check: ${(err as Error).message}`);
  }

  return { version: options.version, sha256, spec, names, threshold, trainedAt, score, release };
}

function readHeader(bytes: Uint8Array) {
  let meta: Map<string, string>;
  try {
    meta = readOnnxMetadata(bytes);
  } catch (err) {
    throw new ModelRejectedError('NOT_A_HEARTH_MODEL', `not an ONNX model: ${(err as Error).message}`);
  }
  if (meta.get('hearth.format') !== MODEL_FORMAT) {
    throw new ModelRejectedError(
      'NOT_A_HEARTH_MODEL',
      `model format is ${meta.get('hearth.format') ?? 'missing'}, expected ${MODEL_FORMAT}`,
    );
  }
  const json = (key: string): unknown => {
    try {
      return JSON.parse(meta.get(key) ?? '');
    } catch {
      throw new ModelRejectedError('NOT_A_HEARTH_MODEL', `model metadata ${key} is missing or not JSON`);
    }
  };
  const spec = FeatureSpec.safeParse(json('hearth.feature_spec'));
  const names = z.array(z.string()).safeParse(json('hearth.feature_names'));
  const probe = Probe.safeParse(json('hearth.probe'));
  const threshold = Number(meta.get('hearth.threshold'));
  if (!spec.success || !names.success || !probe.success || !(threshold > 0)) {
    throw new ModelRejectedError(
      'NOT_A_HEARTH_MODEL',
      'model metadata (feature spec, names, probe or threshold) is invalid',
    );
  }
  return {
    spec: spec.data,
    names: names.data,
    probe: probe.data,
    threshold,
    trainedAt: meta.get('hearth.trained_at'),
  };
}

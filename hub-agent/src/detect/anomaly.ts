import type { FeatureSpec } from '@hearth/shared';

/** One evaluation of the senior's model on a feature vector. */
export interface AnomalyOutput {
  /** How unusual the window is; higher is stranger. Compared to the threshold. */
  score: number;
  /** Signed per-feature deviation (in standard deviations from the senior's usual). */
  contributions: Float32Array;
  /** The value the model expected for each feature at this hour of the week. */
  expected: Float32Array;
}

/** A loaded, verified anomaly model, ready to score. */
export interface AnomalyModel {
  /** Registry version, e.g. `7`, for evidence and status. */
  readonly version: string;
  readonly sha256: string;
  /** How to build the input vector; the model was trained on exactly this layout. */
  readonly spec: FeatureSpec;
  /** Threshold the model was calibrated with; the senior's config may override it. */
  readonly threshold: number;
  /** Scores one feature vector; rejects if the runtime fails (the detector then stays silent). */
  score(features: Float32Array): Promise<AnomalyOutput>;
}

/** Where the detector finds the current model; `null` while the senior has none (rules still run). */
export interface ModelSource {
  current(): AnomalyModel | null;
}

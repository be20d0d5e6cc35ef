import { behaviourFeatureCount, computeFeatures, describeFeature, featureNames } from '@hearth/shared';
import type { AnomalyModel } from './anomaly.js';
import type { Finding, RuleContext } from './rules/rule.js';
import { minutesToMs } from './rules/rule.js';

/** The model's verdict on one window. */
export interface ModelVerdict {
  score: number;
  threshold: number;
  /** Present when the score is over the threshold. */
  finding?: Finding;
}

/**
 * Scores the current window with the senior's model and, over the threshold, reports a `model`
 * finding whose evidence is the features that strayed furthest from the senior's usual.
 * `episodeStart` is when the current unbroken run of unusual windows began: one run, one alert.
 * @returns undefined when the model rule is disabled. @throws when the model fails to score.
 */
export async function evaluateModel(
  model: AnomalyModel,
  ctx: Omit<RuleContext, 'trigger'>,
  episodeStart: number,
): Promise<ModelVerdict | undefined> {
  const cfg = ctx.config.model;
  if (!cfg.enabled) return undefined;
  const features = computeFeatures(model.spec, ctx.window.events, ctx.now);
  const out = await model.score(features);
  const threshold = cfg.threshold ?? model.threshold;
  if (!Number.isFinite(out.score)) throw new Error(`model returned a score of ${out.score}`);
  if (out.score <= threshold) return { score: out.score, threshold };

  const names = featureNames(model.spec);
  const count = behaviourFeatureCount(model.spec);
  const ranked = Array.from({ length: count }, (_, i) => i)
    .sort((a, b) => Math.abs(out.contributions[b] ?? 0) - Math.abs(out.contributions[a] ?? 0))
    .slice(0, cfg.topFeatures);
  const evidence = ranked.map((i) => ({
    feature: names[i],
    observed: round(features[i] ?? 0),
    expected: round(out.expected[i] ?? 0),
    deviation: round(out.contributions[i] ?? 0),
  }));
  const top = evidence
    .map((e) => `${describeFeature(e.feature ?? '')} ${e.deviation > 0 ? 'above' : 'below'} usual`)
    .join(', ');
  const finding: Finding = {
    kind: 'model_anomaly',
    severity: cfg.severity,
    source: 'model',
    message: `Unusual for this senior at this hour (score ${round(out.score)}, threshold ${round(threshold)}): ${top}.`,
    evidence: [
      { modelVersion: model.version, score: round(out.score), threshold: round(threshold) },
      ...evidence,
    ],
    subject: 'routine',
    episode: String(episodeStart),
    cooldownMs: minutesToMs(cfg.cooldownMinutes),
  };
  return { score: out.score, threshold, finding };
}

const round = (x: number): number => Math.round(x * 100) / 100;

import { behaviourFeatureCount, computeFeatures, featureNames } from '@hearth/shared';
import type { AnomalyModel } from './anomaly.js';
import type { Finding, RuleContext } from './rules/rule.js';
import { minutesToMs } from './rules/rule.js';

/**
 * Scores the current window with the senior's model and, over the threshold, reports a `model`
 * finding whose evidence is the features that strayed furthest from the senior's usual.
 */
export async function evaluateModel(
  model: AnomalyModel,
  ctx: Omit<RuleContext, 'trigger'>,
): Promise<Finding[]> {
  const cfg = ctx.config.model;
  if (!cfg.enabled) return [];
  const features = computeFeatures(model.spec, ctx.window.events, ctx.now);
  const out = await model.score(features);
  const threshold = cfg.threshold ?? model.threshold;
  if (!Number.isFinite(out.score) || out.score <= threshold) return [];

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
  const top = evidence.map((e) => `${e.feature} ${e.deviation > 0 ? 'above' : 'below'} usual`).join(', ');
  return [
    {
      kind: 'model_anomaly',
      severity: cfg.severity,
      source: 'model',
      message: `Today looks unlike this senior's usual routine (score ${round(out.score)} over ${round(threshold)}): ${top}.`,
      evidence: [
        { modelVersion: model.version, score: round(out.score), threshold: round(threshold) },
        ...evidence,
      ],
      subject: 'routine',
      episode: String(Math.floor(ctx.now / minutesToMs(cfg.cooldownMinutes))),
      cooldownMs: minutesToMs(cfg.cooldownMinutes),
    },
  ];
}

const round = (x: number): number => Math.round(x * 100) / 100;

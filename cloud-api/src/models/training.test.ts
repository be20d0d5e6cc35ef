import { computeFeatures, featureCount, type RoutineEvent, simulateDay, simulateDays } from '@hearth/shared';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Baseline, fitBaseline, scoreWithBaseline, TrainingError } from './baseline.js';
import { writeOnnxModel } from './onnx-writer.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const month = Date.UTC(2026, 0, 5); // a Monday
const history = simulateDays(month, 28, 7);
const testDay = month + 28 * DAY; // the Monday after

/** Scores every 10-minute window of the days after the training month, in one onnxruntime batch. */
async function scoreDays(session: ort.InferenceSession, baseline: Baseline, after: RoutineEvent[]) {
  const events: RoutineEvent[] = [...history.slice(-2000), ...after];
  const D = featureCount(baseline.spec);
  const windows = Math.ceil(((after[after.length - 1]?.ts ?? testDay) - testDay) / DAY) * 144;
  const ends = Array.from({ length: windows }, (_, i) => testDay + (i + 1) * 10 * MIN);
  const input = new Float32Array(ends.length * D);
  for (const [i, t] of ends.entries()) input.set(computeFeatures(baseline.spec, events, t), i * D);
  const out = await session.run({ features: new ort.Tensor('float32', input, [ends.length, D]) });
  const scores = Array.from(out.score?.data as Float32Array);
  return { scores, max: Math.max(...scores), input, D, out };
}

describe('a senior’s routine model, fitted in the cloud and run by onnxruntime', () => {
  let baseline: Baseline;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    baseline = fitBaseline(history, { timezone: 'UTC' });
    const bytes = writeOnnxModel(baseline, {
      seniorId: 'b0c4a3f2-8c2e-4d57-9a51-2f0f5a7e9d11',
      trainedAt: new Date(testDay).toISOString(),
    });
    session = await ort.InferenceSession.create(bytes);
  });

  it('learns the rooms of the home and a threshold from a month of ordinary days', () => {
    expect(baseline.spec.rooms).toEqual(['bathroom', 'bedroom', 'entrance', 'kitchen', 'living']);
    expect(baseline.samples).toBeGreaterThan(3500);
    expect(baseline.threshold).toBeGreaterThan(1);
  });

  it('keeps a week of unseen ordinary days under the threshold', async () => {
    const week = Array.from({ length: 7 }, (_, d) => simulateDay(testDay + d * DAY, 424_242 + d)).flat();
    const { scores, max } = await scoreDays(session, baseline, week);
    expect(scores).toHaveLength(7 * 144);
    expect(max).toBeLessThan(baseline.threshold);
  });

  it('flags a day with no kitchen, a long bathroom stay and night wandering, naming what changed', async () => {
    const abnormal = simulateDay(testDay, 424_242, {
      noKitchen: true,
      bathroomStayMinutes: 90,
      nightWandering: true,
    });
    const { scores, max, out } = await scoreDays(session, baseline, abnormal);
    expect(max).toBeGreaterThan(baseline.threshold * 1.3);
    const contributions = out.contributions?.data as Float32Array;
    const B = baseline.names.length;
    /** The strongest features of the window ending at local `hour`. */
    const topAt = (hour: number) => {
      const i = hour * 6 - 1;
      return baseline.names
        .map((name, f) => ({ name, z: Math.abs(contributions[i * B + f] ?? 0) }))
        .sort((a, b) => b.z - a.z)
        .slice(0, 3)
        .map((f) => f.name);
    };
    expect(scores[3 * 6 - 1]).toBeGreaterThan(baseline.threshold); // 03:00, wandering
    expect(topAt(3).some((f) => /kitchen|living|entrance|transitions/.test(f))).toBe(true);
    expect(scores[8 * 6 - 1]).toBeGreaterThan(baseline.threshold); // 08:00, still in the bathroom
    expect(topAt(8)).toContain('presence:bathroom');
    expect(topAt(13).some((f) => f.endsWith(':kitchen'))).toBe(true); // 13:00, no lunch
  });

  it('gives the same score and contributions as the trainer’s own arithmetic', async () => {
    const day = await scoreDays(session, baseline, simulateDay(testDay, 5, { nightWandering: true }));
    const contributions = day.out.contributions?.data as Float32Array;
    const B = baseline.names.length;
    for (const i of [0, 20, 100, 143]) {
      const mine = scoreWithBaseline(baseline, day.input.subarray(i * day.D, (i + 1) * day.D));
      expect(day.scores[i]).toBeCloseTo(mine.score, 4);
      expect(contributions[i * B + 3]).toBeCloseTo(mine.contributions[3] as number, 3);
    }
  });

  it('refuses to train on less than a week of history', () => {
    expect(() => fitBaseline(history.slice(0, 500), { timezone: 'UTC' })).toThrow(TrainingError);
  });
});

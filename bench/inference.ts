// Detection cost on the hub: one evaluation of the senior's ONNX model, and one full detection
// step (every rule + feature vector + model) over a day-long window, with the agent's resident
// memory once the model is loaded. Uses the model the trainer writes for a simulated month.
// The RSS figures of this process (tsx, no broker) show what the model adds; `hubAgent` is the
// real agent as a hub runs it (bundle, plain node, the unit's node options), without and with its
// broker and one robot, and without the unit's node options for comparison.
// `npm run bench -- inference [iterations]`
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeFeatures, simulateDay, simulateDays } from '@hearth/shared';
import { FakeClock } from '../hub-agent/src/clock.js';
import { createDetector } from '../hub-agent/src/detect/index.js';
import { replay } from '../hub-agent/src/detect/replay.js';
import { loadAnomalyModel } from '../hub-agent/src/model/anomaly-model.js';
import { ModelSlot } from '../hub-agent/src/model/model-slot.js';
import { measureAgentMemory } from './support/agent-memory.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const here = fileURLToPath(new URL('.', import.meta.url));
const modelPath = join(here, '../hub-agent/src/model/testdata/routine.onnx');

function stats(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { medianMs: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(at(1)), samples: sorted.length };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export default async function inference(args: string[]): Promise<Record<string, unknown>> {
  const iterations = Number(args[0] ?? 2000);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;

  const bytes = new Uint8Array(readFileSync(modelPath));
  const model = await loadAnomalyModel(bytes, { version: 'bench' });
  const slot = new ModelSlot();
  await slot.install(model);
  const rssModel = process.memoryUsage().rss;

  // A warm detector: yesterday and today up to now in its window, as on a running hub.
  const month = Date.UTC(2026, 0, 5);
  const start = month + 27 * DAY;
  const clock = new FakeClock(start);
  const detector = createDetector({ clock, model: slot, config: { timezone: 'UTC' } });
  const events = [
    ...simulateDays(month, 28, 7).filter((e) => e.ts >= start),
    ...simulateDay(month + 28 * DAY, 99),
  ];
  const noon = month + 28 * DAY + 12 * 60 * MIN;
  await replay(detector, clock, events, { from: start, to: noon });

  // One model evaluation on a real feature vector.
  const window = events.filter((e) => e.ts <= noon);
  const features = computeFeatures(model.spec, window, noon);
  for (let i = 0; i < 200; i++) await model.score(features);
  const evalMs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await model.score(features);
    evalMs.push(performance.now() - t0);
  }

  // The full detection step: what the hub runs every minute.
  const stepMs: number[] = [];
  let now = noon;
  for (let i = 0; i < Math.min(iterations, 1000); i++) {
    now += MIN;
    clock.advance(now - clock.now());
    const t0 = performance.now();
    await detector.tick(now);
    stepMs.push(performance.now() - t0);
  }
  const rssLoaded = process.memoryUsage().rss;
  await slot.clear();

  return {
    model: {
      file: 'hub-agent/src/model/testdata/routine.onnx',
      bytes: bytes.byteLength,
      features: features.length,
    },
    windowEvents: window.length,
    modelEvaluation: stats(evalMs),
    detectionStep: stats(stepMs),
    rssMB: { beforeModel: mb(rssBefore), withModel: mb(rssModel), withModelAndWindow: mb(rssLoaded) },
    modelRssDeltaMB: mb(rssModel - rssBefore),
    hubAgent: {
      goalsMB: { withoutBroker: 120, withBroker: 130 },
      withoutBroker: await measureAgentMemory({ robot: false }),
      withBrokerAndOneRobot: await measureAgentMemory({ robot: true }),
      withoutBrokerNoNodeOptions: await measureAgentMemory({ robot: false, nodeOptions: [] }),
    },
  };
}

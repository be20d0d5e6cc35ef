// The model files the hub's tests load, written by the real trainer so the two sides cannot drift:
// `npx tsx cloud-api/src/models/fixtures.ts` rewrites them, and fixtures.test.ts fails when the
// committed files differ from what this code writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateDays } from '@hearth/shared';
import onnxProto from 'onnx-proto';
import { fitBaseline } from './baseline.js';
import { writeOnnxModel } from './onnx-writer.js';

const { onnx } = onnxProto;

export const FIXTURE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../hub-agent/src/model/testdata',
);
export const FIXTURE_SENIOR = 'b0c4a3f2-8c2e-4d57-9a51-2f0f5a7e9d11';
/** First day of the simulated month the fixture was trained on (a Monday, UTC). */
export const FIXTURE_MONTH = Date.UTC(2026, 0, 5);

/** name → bytes of every fixture. */
export function buildFixtures(): Record<string, Uint8Array> {
  const baseline = fitBaseline(simulateDays(FIXTURE_MONTH, 28, 7), { timezone: 'UTC' });
  const good = writeOnnxModel(baseline, { seniorId: FIXTURE_SENIOR, trainedAt: '2026-02-02T03:00:00.000Z' });

  // Loads and runs, but its probe promises a score the graph does not compute.
  const badProbe = onnx.ModelProto.decode(good);
  for (const entry of badProbe.metadataProps) {
    if (entry.key === 'hearth.probe') {
      const probe = JSON.parse(entry.value ?? '{}');
      entry.value = JSON.stringify({ ...probe, score: probe.score + 1 });
    }
  }
  // A well-formed file onnxruntime refuses: an operator that does not exist.
  const broken = onnx.ModelProto.decode(good);
  const node = broken.graph?.node?.[0];
  if (node) node.opType = 'NoSuchOperator';

  return {
    'routine.onnx': good,
    'routine-bad-probe.onnx': onnx.ModelProto.encode(badProbe).finish(),
    'routine-broken-graph.onnx': onnx.ModelProto.encode(broken).finish(),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  for (const [name, bytes] of Object.entries(buildFixtures())) writeFileSync(join(FIXTURE_DIR, name), bytes);
  console.log(`model fixtures written to ${FIXTURE_DIR}`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulateDay, simulateDays } from '@hearth/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createDetector } from '../detect/index.js';
import { replay } from '../detect/replay.js';
import { type LoadedModel, loadAnomalyModel, ModelRejectedError, sha256Hex } from './anomaly-model.js';
import { ModelSlot } from './model-slot.js';

const testdata = join(import.meta.dirname, 'testdata');
const fixture = (name: string) => new Uint8Array(readFileSync(join(testdata, name)));
const good = fixture('routine.onnx');
// The fixture model was trained on 28 simulated days from this Monday (cloud-api/src/models/fixtures.ts).
const MIN = 60_000;
const DAY = 1440 * MIN;
const month = Date.UTC(2026, 0, 5);
const after = month + 28 * DAY;

const loaded: LoadedModel[] = [];
async function load(bytes: Uint8Array, expectedSha256?: string) {
  const model = await loadAnomalyModel(bytes, { version: '1', ...(expectedSha256 && { expectedSha256 }) });
  loaded.push(model);
  return model;
}
afterEach(async () => {
  for (const m of loaded.splice(0)) await m.release();
});

async function rejection(bytes: Uint8Array, expectedSha256?: string) {
  const err = await load(bytes, expectedSha256).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelRejectedError);
  return err as ModelRejectedError;
}

describe('loading a senior’s model on the hub', () => {
  it('loads the trainer’s model, verifies its hash and reads its feature layout', async () => {
    const model = await load(good, sha256Hex(good));
    expect(model.sha256).toBe(sha256Hex(good));
    expect(model.spec.rooms).toEqual(['bathroom', 'bedroom', 'entrance', 'kitchen', 'living']);
    expect(model.names).toContain('presence:bathroom');
    expect(model.threshold).toBeGreaterThan(1);
  });

  it('rejects a corrupted download, a file that is not a model, a broken graph and a model that computes nonsense', async () => {
    const flipped = good.slice();
    flipped[flipped.length - 10] = (flipped[flipped.length - 10] as number) ^ 0xff;
    expect((await rejection(flipped, sha256Hex(good))).code).toBe('HASH_MISMATCH');
    expect((await rejection(new TextEncoder().encode('<html>502 Bad Gateway</html>'))).code).toBe(
      'NOT_A_HEARTH_MODEL',
    );
    expect((await rejection(fixture('routine-broken-graph.onnx'))).code).toBe('LOAD_FAILED');
    const bad = await rejection(fixture('routine-bad-probe.onnx'));
    expect(bad.code).toBe('PROBE_FAILED');
    expect(bad.message).toMatch(/probe scored/);
  });

  it('swaps models without a restart and falls back to the previous one', async () => {
    const slot = new ModelSlot();
    const first = await loadAnomalyModel(good, { version: '1' });
    const second = await loadAnomalyModel(good, { version: '2' });
    await slot.install(first);
    await slot.install(second);
    expect(slot.current()?.version).toBe('2');
    expect(await slot.rollback()).toBe(true);
    expect(slot.current()?.version).toBe('1');
    expect(await slot.rollback()).toBe(false);
    await slot.clear();
    expect(slot.current()).toBeNull();
  });
});

describe('the detector with a model', () => {
  async function dayWith(script: Parameters<typeof simulateDay>[2], model: LoadedModel | null) {
    const slot = new ModelSlot();
    if (model) await slot.install(model);
    const clock = new FakeClock(after - DAY);
    const detector = createDetector({ clock, model: slot, config: { timezone: 'UTC' } });
    const events = [
      ...simulateDays(month, 28, 7).filter((e) => e.ts >= after - DAY),
      ...simulateDay(after, 31, script),
    ];
    const raised = await replay(detector, clock, events, { from: after - DAY, to: after + DAY });
    return raised.filter((r) => r.at > after).map((r) => r.detection);
  }

  it('raises nothing on an ordinary day', async () => {
    expect(await dayWith({}, await load(good))).toEqual([]);
  });

  it('raises one model alert for night wandering, with the features that strayed as evidence', async () => {
    const raised = await dayWith({ nightWandering: true }, await load(good));
    expect(raised.map((d) => d.kind)).toEqual(['model_anomaly']);
    const [alert] = raised;
    expect(alert?.source).toBe('model');
    expect(alert?.evidence[0]).toMatchObject({ modelVersion: '1' });
    expect(alert?.evidence).toHaveLength(4);
    expect(alert?.evidence.slice(1).map((e) => e.feature)).toEqual(
      expect.arrayContaining([expect.stringMatching(/kitchen|living|entrance|transitions|bathroom/)]),
    );
  });

  it('still runs the rules without a model', async () => {
    expect((await dayWith({ nightWandering: true, pendantAt: '10:00' }, null)).map((d) => d.kind)).toEqual([
      'pendant_pressed',
    ]);
  });
});

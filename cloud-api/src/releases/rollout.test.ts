import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hubBucket, RolloutRefused, selects, widen } from './rollout.js';

const fleet = Array.from({ length: 2000 }, () => randomUUID());

describe('rollout selection', () => {
  it('takes about the asked share of the fleet', () => {
    const chosen = fleet.filter((h) => selects({ percent: 10, hubIds: [] }, h)).length;
    expect(chosen).toBeGreaterThan(140);
    expect(chosen).toBeLessThan(260);
    expect(fleet.filter((h) => selects({ percent: 0, hubIds: [] }, h))).toEqual([]);
    expect(fleet.every((h) => selects({ percent: 100, hubIds: [] }, h))).toBe(true);
  });

  it('keeps every hub of a narrower share when widened', () => {
    for (const [narrow, wide] of [
      [1, 5],
      [5, 25],
      [25, 60],
    ] as const) {
      const before = fleet.filter((h) => selects({ percent: narrow, hubIds: [] }, h));
      const after = new Set(fleet.filter((h) => selects({ percent: wide, hubIds: [] }, h)));
      expect(before.length).toBeGreaterThan(0);
      for (const h of before) expect(after.has(h)).toBe(true);
      expect(after.size).toBeGreaterThan(before.length);
    }
  });

  it('places a hub the same way whatever the case of its id', () => {
    const id = fleet[0]!;
    expect(hubBucket(id.toUpperCase())).toBe(hubBucket(id));
  });

  it('always takes named hubs, even at 0%', () => {
    const named = fleet.find((h) => !selects({ percent: 50, hubIds: [] }, h))!;
    expect(selects({ percent: 0, hubIds: [named] }, named)).toBe(true);
  });
});

describe('widening', () => {
  it('grows the share and adds named hubs, keeping the earlier ones', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const first = widen(undefined, { hubIds: [a] });
    expect(first).toEqual({ percent: 0, hubIds: [a] });
    const second = widen(first, { percent: 20, hubIds: [b] });
    expect(second).toEqual({ percent: 20, hubIds: [a, b] });
    expect(widen(second, { hubIds: [b] })).toEqual(second);
  });

  it('refuses to narrow the share, saying where it is', () => {
    expect(() => widen({ percent: 30, hubIds: [] }, { percent: 10 })).toThrow(RolloutRefused);
    expect(() => widen({ percent: 30, hubIds: [] }, { percent: 10 })).toThrow(/at 30%.*asked for 10%/);
  });
});

import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from './reconnect.js';

describe('dashboard reconnect delay', () => {
  it('spreads the dashboards a stopping instance lets go over half the wait, doubling up to 10 s', () => {
    expect(reconnectDelayMs(0, () => 0)).toBe(250);
    expect(reconnectDelayMs(0, () => 0.999_999)).toBeCloseTo(500, 0);
    expect(reconnectDelayMs(1, () => 0)).toBe(500);
    expect(reconnectDelayMs(10, () => 0.999_999)).toBeCloseTo(10_000, 0);
    // A thousand dashboards dropped together: no two hundred of them retry in the same 10 ms.
    const buckets = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const b = Math.floor(reconnectDelayMs(0) / 10);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    expect(Math.max(...buckets.values())).toBeLessThan(200);
    expect([...buckets.keys()].every((b) => b >= 25 && b < 50)).toBe(true);
  });
});

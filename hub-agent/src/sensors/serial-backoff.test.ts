import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from './serial-backoff.js';

describe('ReconnectBackoff', () => {
  it('doubles up to the cap and starts over after a reset', () => {
    const backoff = new ReconnectBackoff(500, 3000, () => 0.5);
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([500, 1000, 2000, 3000, 3000]);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });

  it('spreads each wait by at most 20 % either way', () => {
    expect(new ReconnectBackoff(1000, 1000, () => 0).next()).toBe(800);
    expect(new ReconnectBackoff(1000, 1000, () => 0.999999).next()).toBe(1200);
  });
});

import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 3000, spread: [0.8, 1.2], random: () => 0.5 });
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(backoff.failures).toBe(5);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });

  it('spreads each wait within its bounds', () => {
    const serial = (r: number) =>
      new Backoff({ initialMs: 1000, maxMs: 1000, spread: [0.8, 1.2], random: () => r });
    expect(serial(0).next()).toBe(800);
    expect(serial(0.999999).next()).toBe(1200);
    const upload = (r: number) => new Backoff({ initialMs: 1000, maxMs: 1000, random: () => r });
    expect(upload(0).next()).toBe(500);
    expect(upload(0.999999).next()).toBe(1000);
  });

  it('never overflows however long the outage', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 300_000, random: () => 0.999999 });
    for (let i = 0; i < 5000; i++) backoff.next();
    expect(backoff.next()).toBe(300_000);
  });
});

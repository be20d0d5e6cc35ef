import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';

describe('FakeClock', () => {
  it('fires a repetition each time it falls due, and never after it is cancelled', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const cancel = clock.every(1000, () => fired.push(clock.now().getTime()));
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(2500);
    expect(fired).toEqual([1000, 2000, 3000]);
    expect(clock.now().getTime()).toBe(3499);
    cancel();
    clock.advance(5000);
    expect(fired).toHaveLength(3);
    expect(clock.pendingTimers()).toBe(0);
  });
});

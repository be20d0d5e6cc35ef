import { describe, expect, it } from 'vitest';
import { EarlySignals } from './early-signals.js';

function held(limits: Partial<ConstructorParameters<typeof EarlySignals>[1]> = {}) {
  let now = 0;
  const early = new EarlySignals(() => now, {
    holdMs: 10_000,
    maxSessions: 3,
    maxPerSession: 4,
    maxBytes: 1000,
    ...limits,
  });
  return { early, advance: (ms: number) => (now += ms) };
}

describe('EarlySignals', () => {
  it('hands over what was held for a topic once, oldest first', () => {
    const { early } = held();
    early.hold('video:a', 'offer');
    early.hold('video:b', 'other');
    early.hold('video:a', 'candidate');
    expect(early.take('video:a')).toEqual(['offer', 'candidate']);
    expect(early.take('video:a')).toEqual([]);
    expect(early.take('video:b')).toEqual(['other']);
  });

  it('lets what nobody took age out', () => {
    const { early, advance } = held();
    early.hold('video:a', 'offer');
    advance(9999);
    early.hold('video:b', 'offer');
    advance(1);
    expect(early.take('video:a')).toEqual([]);
    expect(early.take('video:b')).toEqual(['offer']);
    expect(early.size).toBe(0);
  });

  it('keeps within its limits: signals per session, sessions, and bytes', () => {
    const { early } = held();
    for (let i = 0; i < 6; i++) early.hold('video:a', `c${i}`);
    expect(early.take('video:a')).toEqual(['c0', 'c1', 'c2', 'c3']);
    for (const id of ['a', 'b', 'c', 'd']) early.hold(`video:${id}`, id);
    expect(early.size).toBe(3);
    expect(early.take('video:a')).toEqual([]);
    const big = held({ maxBytes: 10 });
    big.early.hold('video:a', '12345');
    big.early.hold('video:b', '123456');
    expect(big.early.take('video:a')).toEqual([]);
    expect(big.early.take('video:b')).toEqual(['123456']);
  });
});

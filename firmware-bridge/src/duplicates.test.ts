import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateFilter } from './duplicates.js';

describe('DuplicateFilter', () => {
  it('passes each sequence number once and flags the resend', () => {
    const filter = new DuplicateFilter();
    filter.observeBoot('n1', 7);
    expect([1, 2, 3, 2, 4, 1].map((s) => filter.check('n1', s))).toEqual([
      'new',
      'new',
      'new',
      'duplicate',
      'new',
      'duplicate',
    ]);
  });

  it('accepts frames that arrive out of order within the window', () => {
    const filter = new DuplicateFilter(16);
    filter.observeBoot('n1', 1);
    expect([10, 8, 9, 7, 8].map((s) => filter.check('n1', s))).toEqual([
      'new',
      'new',
      'new',
      'new',
      'duplicate',
    ]);
  });

  it('keeps working across the 16-bit wrap', () => {
    const filter = new DuplicateFilter(16);
    filter.observeBoot('n1', 1);
    expect([65534, 65535, 0, 1, 65535, 0].map((s) => filter.check('n1', s))).toEqual([
      'new',
      'new',
      'new',
      'new',
      'duplicate',
      'duplicate',
    ]);
  });

  it('calls frames older than the window stale', () => {
    const filter = new DuplicateFilter(16);
    filter.observeBoot('n1', 1);
    filter.check('n1', 100);
    expect(filter.check('n1', 84)).toBe('stale');
    expect(filter.check('n1', 85)).toBe('new');
  });

  it('starts afresh when a node reboots, and not when it repeats its hello', () => {
    const filter = new DuplicateFilter();
    expect(filter.observeBoot('n1', 1)).toBe(true);
    filter.check('n1', 0);
    filter.check('n1', 1);
    expect(filter.observeBoot('n1', 1)).toBe(false);
    expect(filter.check('n1', 1)).toBe('duplicate');
    expect(filter.observeBoot('n1', 2)).toBe(true);
    expect(filter.check('n1', 1)).toBe('new');
  });

  it('keeps nodes apart', () => {
    const filter = new DuplicateFilter();
    filter.observeBoot('a', 1);
    filter.observeBoot('b', 1);
    expect(filter.check('a', 5)).toBe('new');
    expect(filter.check('b', 5)).toBe('new');
  });

  it('lets a forgotten frame through again', () => {
    const filter = new DuplicateFilter();
    filter.observeBoot('n1', 1);
    expect(filter.check('n1', 3)).toBe('new');
    filter.forget('n1', 3);
    expect(filter.check('n1', 3)).toBe('new');
    expect(filter.check('n1', 3)).toBe('duplicate');
  });

  it('starts a node it meets for the first time from what was recalled of that same boot', () => {
    const recalled = new Map([['n1', { bootId: 7, seqs: [65534, 65535, 0] }]]);
    const filter = new DuplicateFilter(16, (nodeId) => recalled.get(nodeId));
    expect(filter.observeBoot('n1', 7)).toBe(false); // the node did not restart: not a new boot
    expect([0, 65535, 1].map((s) => filter.check('n1', s))).toEqual(['duplicate', 'duplicate', 'new']);
    // Another boot than the recalled one starts empty; a node with nothing recalled too.
    const rebooted = new DuplicateFilter(16, (nodeId) => recalled.get(nodeId));
    expect(rebooted.observeBoot('n1', 8)).toBe(true);
    expect(rebooted.check('n1', 0)).toBe('new');
    expect(rebooted.observeBoot('n2', 7)).toBe(true);
    expect(rebooted.check('n2', 0)).toBe('new');
  });

  it('asks for the recalled frames only once per node, so a later reboot is not undone', () => {
    let asked = 0;
    const filter = new DuplicateFilter(16, () => {
      asked++;
      return { bootId: 1, seqs: [4] };
    });
    filter.observeBoot('n1', 1);
    filter.observeBoot('n1', 2);
    filter.observeBoot('n1', 2);
    expect(filter.check('n1', 4)).toBe('new');
    expect(asked).toBe(1);
  });

  it('delivers every frame exactly once when a node resends a bounded queue in any order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 300 }),
        (start, script) => {
          // The node keeps at most 8 unacked frames; each step it (re)sends one of them, and the ack
          // for it may be lost. The first transmission of a frame must be new, every later one a duplicate.
          const filter = new DuplicateFilter(64);
          filter.observeBoot('n', 1);
          const unacked: number[] = [];
          const transmitted = new Set<number>();
          let next = start;
          for (const [pick, fresh, ackLost] of script) {
            if ((fresh && unacked.length < 8) || unacked.length === 0) {
              unacked.push(next);
              next = (next + 1) & 0xffff;
            }
            const seq = unacked[pick % unacked.length]!;
            expect(filter.check('n', seq)).toBe(transmitted.has(seq) ? 'duplicate' : 'new');
            transmitted.add(seq);
            if (!ackLost) unacked.splice(unacked.indexOf(seq), 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { didYouMean } from './suggest.js';

const commands = ['pair', 'status', 'sensors', 'diagnose', 'health', 'simulate', 'help'];

describe('did you mean', () => {
  it.each([
    ['stauts', 'status'],
    ['sensor', 'sensors'],
    ['diagnos', 'diagnose'],
    ['piar', 'pair'],
    ['Status', 'status'],
    ['sim', 'simulate'],
  ])('reads %s as %s', (typed, meant) => {
    expect(didYouMean(typed, commands)).toBe(meant);
  });

  it('suggests nothing for a word close to no command', () => {
    expect(didYouMean('reboot', commands)).toBeUndefined();
    expect(didYouMean('x', commands)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { serialOpenHint } from './serial-hints.js';

describe('serialOpenHint', () => {
  it.each([
    ['Error: No such file or directory, cannot open /dev/ttyUSB0', /not plugged in.*by-id/],
    ['Error: Permission denied, cannot open /dev/ttyACM0', /dialout group/],
    ['Error Resource temporarily unavailable Cannot lock port', /another program holds the device/],
  ])('explains %s', (message, hint) => {
    expect(serialOpenHint(message)).toMatch(hint);
  });

  it('says nothing it cannot back up', () => {
    expect(serialOpenHint('Error: Input/output error')).toBeUndefined();
  });
});

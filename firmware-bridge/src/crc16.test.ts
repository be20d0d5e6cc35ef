import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from './crc16.js';

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });

  it('returns the initial value 0xFFFF for no data', () => {
    expect(crc16CcittFalse(Buffer.alloc(0))).toBe(0xffff);
  });

  it('can be computed in pieces', () => {
    const data = Buffer.from('hearth serial frames', 'ascii');
    expect(crc16CcittFalse(data.subarray(7), crc16CcittFalse(data.subarray(0, 7)))).toBe(
      crc16CcittFalse(data),
    );
  });

  it('changes when any single bit flips', () => {
    const data = Buffer.from([1, 2, 0x10, 0x20, 0xff, 0]);
    const good = crc16CcittFalse(data);
    for (let i = 0; i < data.length * 8; i++) {
      const flipped = Buffer.from(data);
      flipped[i >> 3]! ^= 1 << (i & 7);
      expect(crc16CcittFalse(flipped)).not.toBe(good);
    }
  });
});

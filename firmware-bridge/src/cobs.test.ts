import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode } from './cobs.js';
import { FrameError } from './errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('COBS', () => {
  // Examples from Cheshire & Baker (1999) and the Wikipedia table of encodings.
  it.each([
    ['', '01'],
    ['00', '01 01'],
    ['00 00', '01 01 01'],
    ['11 22 00 33', '03 11 22 02 33'],
    ['11 22 33 44', '05 11 22 33 44'],
    ['11 00 00 00', '02 11 01 01 01'],
  ])('encodes %s as %s and back', (input, encoded) => {
    expect(cobsEncode(hex(input)).toString('hex')).toBe(hex(encoded).toString('hex'));
    expect(cobsDecode(hex(encoded)).toString('hex')).toBe(hex(input).toString('hex'));
  });

  it('splits runs of 254 non-zero bytes into full blocks', () => {
    const input = Buffer.alloc(300, 7);
    const encoded = cobsEncode(input);
    expect(encoded[0]).toBe(0xff);
    expect(encoded.length).toBe(300 + 2);
    expect(cobsDecode(encoded).equals(input)).toBe(true);
  });

  it('never produces a zero byte and always round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (input) => {
        const encoded = cobsEncode(input);
        expect(encoded.includes(0)).toBe(false);
        expect(encoded.length).toBeLessThanOrEqual(input.length + Math.ceil(input.length / 254) + 1);
        expect(Buffer.from(cobsDecode(encoded)).equals(Buffer.from(input))).toBe(true);
      }),
    );
  });

  it('refuses a code byte that runs past the end with COBS_INVALID', () => {
    expect(() => cobsDecode(hex('05 11 22'))).toThrow(FrameError);
    expect(() => cobsDecode(hex('05 11 22'))).toThrow(/runs past the end/);
    expect(() => cobsDecode(hex('02 00'))).toThrow(/zero byte/);
  });

  it('answers any byte string with a result or a FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (input) => {
        try {
          cobsDecode(input);
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
          expect((err as FrameError).code).toBe('COBS_INVALID');
        }
      }),
    );
  });
});

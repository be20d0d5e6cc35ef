import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode } from '../src/cobs.js';
import { crc16CcittFalse } from '../src/crc16.js';
import { FrameError } from '../src/errors.js';
import { decodeFrame, encodeFrame, encodeRawFrame } from '../src/frame.js';
import { fromDecimal, toDecimal } from '../src/messages.js';
import { vectors } from './vectors.js';

const bytes = (hex: string) => Buffer.from(hex, 'hex');

describe('shared vectors: TypeScript codec', () => {
  it('has vectors of every kind to check', () => {
    expect(vectors.crc.length).toBeGreaterThan(3);
    expect(vectors.cobs.length).toBeGreaterThan(5);
    expect(new Set(vectors.valid.map((v) => v.frame.message.type))).toEqual(
      new Set(['hello', 'reading', 'event', 'heartbeat', 'ack', 'sync']),
    );
    expect(vectors.invalid.length).toBeGreaterThan(8);
  });

  it.each(vectors.crc.map((v) => [v.name, v] as const))('CRC: %s', (_name, v) => {
    expect(crc16CcittFalse(bytes(v.input)).toString(16).padStart(4, '0')).toBe(v.crc);
  });

  it.each(vectors.cobs.map((v) => [v.name, v] as const))('COBS: %s', (_name, v) => {
    expect(cobsEncode(bytes(v.decoded)).toString('hex')).toBe(v.encoded);
    expect(cobsDecode(bytes(v.encoded)).toString('hex')).toBe(v.decoded);
  });

  it.each(vectors.valid.map((v) => [v.name, v] as const))('frame: %s', (_name, v) => {
    expect(encodeRawFrame(v.frame).toString('hex')).toBe(v.raw);
    expect(encodeFrame(v.frame).toString('hex')).toBe(v.encoded);
    expect(decodeFrame(bytes(v.encoded).subarray(0, -1))).toEqual({ version: 1, ...v.frame });
    if (v.frame.message.type === 'reading') {
      expect(toDecimal(v.frame.message.value)).toEqual(v.wire);
      expect(fromDecimal(v.wire!.mantissa, v.wire!.exponent)).toBe(v.frame.message.value);
    }
  });

  it.each(vectors.invalid.map((v) => [v.name, v] as const))('refuses: %s', (_name, v) => {
    let caught: unknown;
    try {
      decodeFrame(bytes(v.encoded));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FrameError);
    expect((caught as FrameError).code).toBe(v.error);
  });
});

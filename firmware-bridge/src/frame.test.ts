import { describe, expect, it } from 'vitest';
import { sampleFrames } from '../test/sample-frames.js';
import { cobsEncode } from './cobs.js';
import { crc16CcittFalse } from './crc16.js';
import { FrameError, type FrameErrorCode } from './errors.js';
import { decodeFrame, decodeRawFrame, encodeFrame, encodeRawFrame, type Frame } from './frame.js';
import type { Message } from './messages.js';

function codeOf(fn: () => unknown): FrameErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return err.code;
    throw err;
  }
  return undefined;
}

/** A raw frame with a correct CRC around arbitrary header and payload bytes. */
function withCrc(body: number[]): Buffer {
  const raw = Buffer.alloc(body.length + 2);
  Buffer.from(body).copy(raw);
  raw.writeUInt16BE(crc16CcittFalse(raw.subarray(0, body.length)), body.length);
  return raw;
}

describe('frame codec', () => {
  it.each(sampleFrames.map((f) => [f.message.type, f] as const))('round-trips a %s frame', (_type, frame) => {
    const wire = encodeFrame(frame);
    expect(wire.at(-1)).toBe(0);
    expect(wire.subarray(0, -1).includes(0)).toBe(false);
    expect(decodeFrame(wire.subarray(0, -1))).toEqual({ version: 1, ...frame });
  });

  it('lays out the header as version, type, big-endian seq and ends with the CRC', () => {
    const raw = encodeRawFrame({ seq: 0x1234, message: { type: 'ack', ackSeq: 0xabcd } });
    expect(raw.toString('hex')).toBe(
      `01101234abcd${crc16CcittFalse(raw.subarray(0, 6)).toString(16).padStart(4, '0')}`,
    );
  });

  it('keeps a reading exact through the decimal encoding', () => {
    for (const value of [
      0, 1, -1, 0.1, 21.5, 1.005, 99.99, -40.125, 2147483647, -2147483648, 1e12, -0.000001,
    ]) {
      const frame: Frame = { seq: 1, message: { type: 'reading', sensor: 2, uptimeMs: 9, value } };
      expect(decodeFrame(encodeFrame(frame).subarray(0, -1)).message).toEqual(frame.message);
    }
  });

  it('refuses what cannot be encoded with PAYLOAD_INVALID naming the field', () => {
    const bad: Message[] = [
      { type: 'reading', sensor: 0, uptimeMs: 0, value: Number.NaN },
      { type: 'reading', sensor: 0, uptimeMs: 0, value: 0.1234567891234 },
      { type: 'reading', sensor: 256, uptimeMs: 0, value: 1 },
      { type: 'heartbeat', uptimeMs: -1, pending: 0, dropped: 0 },
      { ...(sampleFrames[0]!.message as Extract<Message, { type: 'hello' }>), nodeId: 'has space' },
      { ...(sampleFrames[0]!.message as Extract<Message, { type: 'hello' }>), nodeId: '' },
    ];
    for (const message of bad) expect(codeOf(() => encodeFrame({ seq: 0, message }))).toBe('PAYLOAD_INVALID');
    expect(() => encodeFrame({ seq: 0, message: bad[4]! })).toThrow(/nodeId/);
    expect(codeOf(() => encodeFrame({ seq: 70000, message: { type: 'sync' } }))).toBe('PAYLOAD_INVALID');
  });

  it('reports each kind of bad frame with its own code', () => {
    const good = encodeRawFrame(sampleFrames[1]!);
    const corrupted = Buffer.from(good);
    corrupted[5]! ^= 0x01;
    expect(codeOf(() => decodeRawFrame(corrupted))).toBe('CRC_MISMATCH');
    expect(codeOf(() => decodeRawFrame(good.subarray(0, 5)))).toBe('FRAME_TOO_SHORT');
    expect(codeOf(() => decodeRawFrame(withCrc(new Array(300).fill(1))))).toBe('FRAME_TOO_LONG');
    expect(codeOf(() => decodeRawFrame(withCrc([2, 0x10, 0, 0, 0, 1])))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeRawFrame(withCrc([1, 0x7f, 0, 0])))).toBe('UNKNOWN_TYPE');
    expect(codeOf(() => decodeRawFrame(withCrc([1, 0x10, 0, 0, 0])))).toBe('PAYLOAD_INVALID');
    expect(codeOf(() => decodeRawFrame(withCrc([1, 0x10, 0, 0, 0, 1, 9])))).toBe('PAYLOAD_INVALID');
    expect(codeOf(() => decodeRawFrame(withCrc([1, 0x03, 0, 0, 0, 0, 0, 0, 0, 2])))).toBe('PAYLOAD_INVALID');
    expect(codeOf(() => decodeFrame(Buffer.from([0x09, 1, 2])))).toBe('COBS_INVALID');
  });

  it('explains a version mismatch in words a technician can act on', () => {
    expect(() => decodeRawFrame(withCrc([9, 0x11, 0, 0]))).toThrow(/version 9 is not supported.*update/);
  });

  it('refuses a hello with an unknown sensor kind code', () => {
    const raw = encodeRawFrame(sampleFrames[0]!);
    const body = [...raw.subarray(0, -2)];
    const firstKind = 4 + 12 + 1 + 'bedroom-node'.length + 1 + '1.2.0'.length + 1;
    body[firstKind] = 0x42;
    expect(() => decodeRawFrame(withCrc(body))).toThrow(/kind code 66/);
  });

  it('accepts COBS bytes that became a frame only after stuffing', () => {
    expect(decodeFrame(cobsEncode(encodeRawFrame(sampleFrames[5]!))).seq).toBe(7);
  });
});

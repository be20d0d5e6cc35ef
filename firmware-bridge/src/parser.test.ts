import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleFrames } from '../test/sample-frames.js';
import { cobsEncode } from './cobs.js';
import type { FrameError } from './errors.js';
import { type DecodedFrame, encodeFrame, encodeRawFrame, type Frame } from './frame.js';
import { FrameParser } from './parser.js';
import { MAX_ENCODED_FRAME_LENGTH } from './protocol.js';

interface Outcome {
  frames: DecodedFrame[];
  errors: FrameError[];
  parser: FrameParser;
  maxHeld: number;
}

/** Feeds chunks synchronously and collects what comes out, watching the buffer never outgrows a frame. */
function feed(chunks: Uint8Array[], end = true): Outcome {
  const parser = new FrameParser();
  const frames: DecodedFrame[] = [];
  const errors: FrameError[] = [];
  parser.on('data', (f: DecodedFrame) => frames.push(f));
  parser.on('frameError', (e: FrameError) => errors.push(e));
  let maxHeld = 0;
  for (const chunk of chunks) {
    parser.write(Buffer.from(chunk));
    maxHeld = Math.max(maxHeld, (parser as unknown as { pendingLength: number }).pendingLength);
  }
  if (end) parser.end();
  return { frames, errors, parser, maxHeld };
}

const wire = (frames: Frame[]) => Buffer.concat(frames.map((f) => encodeFrame(f)));
const strip = (frames: DecodedFrame[]) => frames.map(({ seq, message }) => ({ seq, message }));

describe('FrameParser', () => {
  it('emits every frame of a stream split at every byte boundary', () => {
    const bytes = wire(sampleFrames);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { frames, errors } = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(strip(frames)).toEqual(sampleFrames);
      expect(errors).toEqual([]);
    }
  });

  it('emits every frame when fed one byte at a time', () => {
    const bytes = wire(sampleFrames);
    const { frames } = feed([...bytes].map((b) => Buffer.of(b)));
    expect(strip(frames)).toEqual(sampleFrames);
  });

  it('recovers at the next delimiter after garbage, at every split point', () => {
    const garbage = Buffer.from('boot: ok\r\n\x00\xff\xfe\x12 noise', 'latin1');
    const bytes = Buffer.concat([
      garbage,
      Buffer.of(0),
      wire(sampleFrames.slice(0, 2)),
      garbage,
      Buffer.of(0),
      wire(sampleFrames.slice(2)),
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { frames, errors } = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(strip(frames)).toEqual(sampleFrames);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.name === 'FrameError')).toBe(true);
    }
  });

  it('drops a frame with a flipped bit, reports CRC_MISMATCH and keeps the next one', () => {
    const raw = encodeRawFrame(sampleFrames[1]!);
    raw[6]! ^= 0x04; // inside the reading's value
    const first = Buffer.concat([cobsEncode(raw), Buffer.of(0)]);
    const { frames, errors, parser } = feed([first, encodeFrame(sampleFrames[2]!)]);
    expect(strip(frames)).toEqual([sampleFrames[2]]);
    expect(errors.map((e) => e.code)).toEqual(['CRC_MISMATCH']);
    expect(parser.stats).toMatchObject({ frames: 1, errors: 1 });
  });

  it('discards a run without delimiters once it exceeds the largest frame, then resumes', () => {
    const noise = Buffer.alloc(5000, 0x41);
    const { frames, errors, maxHeld, parser } = feed([
      noise,
      noise,
      Buffer.of(0),
      encodeFrame(sampleFrames[3]!),
    ]);
    expect(strip(frames)).toEqual([sampleFrames[3]]);
    expect(errors.map((e) => e.code)).toEqual(['BUFFER_OVERFLOW']);
    expect(maxHeld).toBeLessThanOrEqual(MAX_ENCODED_FRAME_LENGTH);
    expect(parser.stats.discardedBytes).toBe(10000);
  });

  it('reports a frame cut off by the end of the stream', () => {
    const bytes = encodeFrame(sampleFrames[4]!);
    const { frames, errors } = feed([bytes.subarray(0, 5)]);
    expect(frames).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(['FRAME_TRUNCATED']);
  });

  it('treats repeated delimiters as idle fill, not as errors', () => {
    const { frames, errors } = feed([Buffer.alloc(10), encodeFrame(sampleFrames[5]!), Buffer.alloc(3)]);
    expect(frames).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('does not keep a reference to the chunk it was given', () => {
    const bytes = encodeFrame(sampleFrames[1]!);
    const chunk = Buffer.from(bytes.subarray(0, 6));
    const parser = new FrameParser();
    const frames: DecodedFrame[] = [];
    parser.on('data', (f: DecodedFrame) => frames.push(f));
    parser.write(chunk);
    chunk.fill(0x33); // a serial binding reusing its read buffer
    parser.write(bytes.subarray(6));
    expect(strip(frames)).toEqual([sampleFrames[1]]);
  });
});

const frameArb: fc.Arbitrary<Frame> = fc
  .constantFrom(...sampleFrames)
  .chain((f) => fc.integer({ min: 0, max: 0xffff }).map((seq) => ({ ...f, seq })));

/** Cuts a byte string into chunks at random points. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

describe('FrameParser properties', () => {
  it('never throws and never holds more than a frame, whatever bytes arrive', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 20 }), (chunks) => {
        const { maxHeld, parser } = feed(chunks);
        expect(maxHeld).toBeLessThanOrEqual(MAX_ENCODED_FRAME_LENGTH);
        expect(parser.stats.frames + parser.stats.errors).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('recovers at the first good frame after any garbage that is followed by a delimiter', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (garbage, frames, cuts) => {
          const bytes = Buffer.concat([Buffer.from(garbage), Buffer.of(0), wire(frames)]);
          const out = feed(chunked(bytes, cuts));
          // Random garbage could in principle carry a valid frame; the good ones must be the tail.
          expect(strip(out.frames.slice(-frames.length))).toEqual(frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('delivers every frame left intact by random corruption, in order', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, mutations, cuts) => {
          const parts = frames.map((f) => encodeFrame(f));
          const bytes = Buffer.concat([Buffer.of(0), ...parts]);
          const touched = new Set<number>();
          for (const { at, byte } of mutations) {
            const i = at % bytes.length;
            if (bytes[i] !== byte) touched.add(i);
            bytes[i] = byte;
          }
          // A frame is intact when its bytes and both delimiters around it are untouched.
          const intact: Frame[] = [];
          let offset = 1;
          for (const [i, part] of parts.entries()) {
            let clean = true;
            for (let j = offset - 1; j < offset + part.length; j++) if (touched.has(j)) clean = false;
            if (clean) intact.push(frames[i]!);
            offset += part.length;
          }
          const got = strip(feed(chunked(bytes, cuts)).frames);
          let k = 0;
          for (const f of got) if (k < intact.length && isDeepStrictEqual(f, intact[k])) k++;
          expect(k).toBe(intact.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

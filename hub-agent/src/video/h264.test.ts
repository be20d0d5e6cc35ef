import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ffmpegArgs } from './ffmpeg-args.js';
import { AccessUnitAssembler, NalType, parseSps, removeEmulationPrevention, splitNalUnits } from './h264.js';

const code4 = Buffer.from([0, 0, 0, 1]);
const code3 = Buffer.from([0, 0, 1]);
const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01]);
const pps = Buffer.from([0x68, 0xce, 0x0f, 0xc8]);
/** first_mb_in_slice = 0 (top bit set after the header) opens a picture; 0x00 continues one. */
const idr = (first = true) => Buffer.from([0x65, first ? 0x88 : 0x20, 0x84, 0x00, 0x33]);
const slice = (first = true) => Buffer.from([0x41, first ? 0x9a : 0x20, 0x21, 0x6c]);

/** Two pictures: SPS, PPS, IDR in two slices; then a P picture; then a third that closes the second. */
const stream = Buffer.concat([
  code4,
  sps,
  code4,
  pps,
  code4,
  idr(),
  code3,
  idr(false),
  code4,
  slice(),
  code4,
  slice(),
]);

describe('Annex-B parsing', () => {
  it('splits NAL units on three- and four-byte start codes', () => {
    const nals = splitNalUnits(stream);
    expect(nals.map((n) => n[0]! & 0x1f)).toEqual([7, 8, 5, 5, 1, 1]);
    expect(nals[0]).toEqual(sps);
  });

  it('groups NAL units into access units however the bytes are chunked', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      for (const step of [1, 3, cut]) {
        const assembler = new AccessUnitAssembler();
        const out = [];
        for (let i = 0; i < stream.length; i += i === 0 ? cut : step)
          out.push(...assembler.push(stream.subarray(i, i + (i === 0 ? cut : step))));
        // The last picture is held until the stream says it is complete.
        expect(out.map((u) => u.nalTypes)).toEqual([[7, 8, 5, 5], [1]]);
        out.push(...assembler.flush());
        expect(out.map((u) => u.keyframe)).toEqual([true, false, false]);
        expect(out[0]!.sps).toEqual(sps);
        expect(Buffer.concat(out.map((u) => u.data))).toEqual(stream);
      }
    }
  });

  it('drops bytes before the first start code', () => {
    const assembler = new AccessUnitAssembler();
    const out = assembler.push(Buffer.concat([Buffer.from([0xff, 0x12, 0x00]), stream]));
    expect(out[0]!.nalTypes).toEqual([7, 8, 5, 5]);
    expect(out[0]!.data.subarray(0, 4)).toEqual(code4);
  });

  it('reads profile-level-id from an SPS, past emulation prevention', () => {
    expect(parseSps(sps).profileLevelId).toBe('42c01f');
    expect(parseSps(Buffer.from([0x67, 0x64, 0x00, 0x00, 0x03, 0x28])).profileLevelId).toBe('640000');
    expect(() => parseSps(pps)).toThrow(/not an SPS/);
    expect(removeEmulationPrevention(Buffer.from([1, 0, 0, 3, 0, 0, 3]))).toEqual(
      Buffer.from([1, 0, 0, 0, 0]),
    );
  });

  it('finds an IDR with SPS four times in the first second, then every two seconds, in what the test-pattern encoder produces', () => {
    // The test source's own command line, without -re and limited to five seconds of pictures.
    const args = ffmpegArgs({ kind: 'test-pattern', width: 320, height: 240, fps: 30 }, 300).filter(
      (a) => a !== '-re',
    );
    const ffmpeg = spawnSync('ffmpeg', ['-t', '5', ...args], { maxBuffer: 64 * 2 ** 20 });
    expect(ffmpeg.status, ffmpeg.stderr.toString()).toBe(0);
    const assembler = new AccessUnitAssembler();
    const units = [...assembler.push(ffmpeg.stdout), ...assembler.flush()];
    expect(units).toHaveLength(150);
    const keyframes = units.flatMap((u, i) => (u.keyframe ? [i] : []));
    // At 30 pictures a second: 0, ¼, ½ and ¾ s (ffmpeg rounds each to the picture at or after it), 2 s, 4 s.
    expect(keyframes).toEqual([0, 8, 15, 23, 60, 120]);
    for (const k of keyframes) expect(units[k]!.nalTypes).toContain(NalType.sps);
    expect(parseSps(units[0]!.sps!).profileLevelId).toMatch(/^42[ce]0/);
  });
});

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { FfmpegSource } from './ffmpeg-source.js';
import type { AccessUnit } from './h264.js';
import { parseSps } from './h264.js';

const log = pino({ level: 'silent' });

/** Resolves with the first unit `match` accepts, after `from` units have been seen. */
function waitFor(units: AccessUnit[], match: (u: AccessUnit) => boolean, from = 0): Promise<AccessUnit> {
  return new Promise((resolve) => {
    const look = () => {
      const found = units.slice(from).find(match);
      if (found) resolve(found);
      else setTimeout(look, 10);
    };
    look();
  });
}

describe('FfmpegSource (real ffmpeg)', () => {
  let source: FfmpegSource | null = null;
  afterEach(() => source?.stop());

  it('streams the test pattern as whole access units starting at an IDR, and makes one on request within a second', async () => {
    source = new FfmpegSource({
      spec: { kind: 'test-pattern', width: 320, height: 240, fps: 30 },
      bitrateKbps: 300,
      clock: systemClock,
      log,
    });
    const units: AccessUnit[] = [];
    const problems: string[] = [];
    await source.start(
      (u) => units.push(u),
      (p) => problems.push(p),
    );
    const first = await waitFor(units, () => true);
    expect(first.keyframe).toBe(true);
    expect(parseSps(first.sps!).profileLevelId).toMatch(/^42[ce]0[0-9a-f]{2}$/);
    // Past the IDRs of the encoder's first second and the one at 2 s (the next is due at 4 s), ask
    // for another: one within a second is the one asked for.
    const keyframes = () => units.filter((u) => u.keyframe).length;
    await waitFor(units, () => keyframes() >= 5);
    await waitFor(units, (u) => !u.keyframe, units.length);
    const asked = units.length;
    const askedAt = Date.now();
    expect(source.requestKeyframe()).toBe(true);
    const idr = await waitFor(units, (u) => u.keyframe, asked);
    expect(Date.now() - askedAt).toBeLessThan(1000);
    expect(idr.sps).toBeDefined();
    expect(problems).toEqual([]);
  });

  it('cannot make a keyframe of a copied camera stream, and says why it cannot run', async () => {
    source = new FfmpegSource({
      spec: { kind: 'rtsp', url: 'rtsp://user:secret@127.0.0.1:1/cam', transport: 'tcp', reencode: false },
      bitrateKbps: 300,
      ffmpeg: '/nonexistent/ffmpeg',
      clock: systemClock,
      log,
    });
    expect(source.description).toBe('rtsp rtsp://user:***@127.0.0.1:1/cam');
    expect(source.requestKeyframe()).toBe(false);
    await expect(
      source.start(
        () => {},
        () => {},
      ),
    ).rejects.toThrow(/cannot run \/nonexistent\/ffmpeg/);
  });
});

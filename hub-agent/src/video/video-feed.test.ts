import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeVideoSource } from './fake-source.js';
import { type Picture, VideoFeed, VideoUnavailableError } from './video-feed.js';

const log = pino({ level: 'silent' });

function feed() {
  const clock = new FakeClock();
  const source = new FakeVideoSource();
  return { clock, source, feed: new VideoFeed({ source, clock, log }) };
}

describe('VideoFeed', () => {
  it('runs the camera only while someone watches', async () => {
    const { source, feed: f } = feed();
    expect(source.running).toBe(false);
    const seenA: Picture[] = [];
    const seenB: Picture[] = [];
    const leaveA = await f.watch((u) => seenA.push(u));
    const leaveB = await f.watch((u) => seenB.push(u));
    expect(source.starts).toBe(1);
    source.emit(true);
    expect([seenA.length, seenB.length]).toEqual([1, 1]);
    await leaveA();
    expect(source.running).toBe(true);
    source.emit();
    expect([seenA.length, seenB.length]).toEqual([1, 2]);
    await leaveB();
    await leaveB();
    expect(source.running).toBe(false);
    expect(source.stops).toBe(1);
    await f.watch(() => {});
    expect(source.starts).toBe(2);
  });

  it('gives the camera back when it cannot start', async () => {
    const { source, feed: f } = feed();
    source.failToStart = 'cannot run ffmpeg: ENOENT';
    await expect(f.watch(() => {})).rejects.toThrow(/ENOENT/);
    expect(f.status().watchers).toBe(0);
  });

  it('makes at most one keyframe a second, and serves a request made inside that second when it ends', async () => {
    const { clock, source, feed: f } = feed();
    await f.watch(() => {});
    // Starting, the camera is not asked: its first picture is a keyframe, and asking would restart it.
    f.requestKeyframe();
    expect(source.keyframeRequests).toBe(0);
    source.emit(true);
    f.requestKeyframe();
    expect(source.keyframeRequests).toBe(1);
    clock.advance(300);
    f.requestKeyframe();
    f.requestKeyframe();
    expect(source.keyframeRequests).toBe(1);
    clock.advance(699);
    expect(source.keyframeRequests).toBe(1);
    clock.advance(1);
    expect(source.keyframeRequests).toBe(2);
    clock.advance(5000);
    expect(source.keyframeRequests).toBe(2);
  });

  it('keeps the last keyframe and the pictures since for a viewer joining, while it is recent', async () => {
    const { clock, source, feed: f } = feed();
    const leave = await f.watch(() => {});
    source.emit(false);
    expect(f.catchUp(400)).toEqual([]);
    const t0 = clock.now();
    source.emit(true);
    clock.advance(33);
    source.emit(false);
    clock.advance(33);
    source.emit(false);
    const recent = f.catchUp(400);
    expect(recent.map((p) => p.unit.keyframe)).toEqual([true, false, false]);
    expect(recent.map((p) => p.capturedAt - t0)).toEqual([0, 33, 66]);
    // A keyframe further back than a viewer should lag: it asks for a new one instead.
    clock.advance(400);
    expect(f.catchUp(400)).toEqual([]);
    source.emit(true);
    expect(f.catchUp(400).map((p) => p.capturedAt - t0)).toEqual([466]);
    // A camera restarted by the next watcher never serves the pictures of the last one.
    await leave();
    await f.watch(() => {});
    expect(f.catchUp(400)).toEqual([]);
  });

  it('keeps no more than its byte budget: a camera with keyframes far apart gives nothing to catch up', async () => {
    const clock = new FakeClock();
    const source = new FakeVideoSource();
    const f = new VideoFeed({ source, clock, log, maxCatchUpBytes: 40 });
    await f.watch(() => {});
    source.emit(true);
    expect(f.catchUp(400)).toHaveLength(1);
    for (let i = 0; i < 5; i++) source.emit(false);
    expect(f.catchUp(400)).toEqual([]);
    source.emit(true);
    expect(f.catchUp(400)).toHaveLength(1);
  });

  it('reads the profile from the SPS the camera sends, and says so when no picture comes', async () => {
    const { source, feed: f } = feed();
    await f.watch(() => {});
    const profile = f.profile(5000);
    source.emit(false);
    source.emit(true);
    expect((await profile).profileLevelId).toBe('42c01f');
    expect(f.status().profileLevelId).toBe('42c01f');

    const other = feed();
    await other.feed.watch(() => {});
    const none = other.feed.profile(5000);
    other.clock.advance(5000);
    await expect(none).rejects.toBeInstanceOf(VideoUnavailableError);
  });
});

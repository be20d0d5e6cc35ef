import { readdirSync, readFileSync } from 'node:fs';
import type { VideoSignalUp } from '@hearth/shared';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../clock.js';
import { FakeVideoSource } from './fake-source.js';
import { FfmpegSource } from './ffmpeg-source.js';
import { TestViewer } from './test-viewer.js';
import { VideoFeed } from './video-feed.js';
import { VideoPublisher } from './video-publisher.js';

const log = pino({ level: process.env.VIDEO_TEST_LOG ?? 'silent' });

/** Resolves once `check` returns something, polling the real world (sockets, processes). */
async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** This process's ffmpeg children, from /proc: the camera really stopped, not just the listeners. */
function ffmpegChildren(): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === process.pid && stat.includes('(ffmpeg)') ? [Number(entry)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

function rig(options: { maxViewers?: number; silenceMs?: number } = {}) {
  const source = new FfmpegSource({
    spec: { kind: 'test-pattern', width: 320, height: 240, fps: 30 },
    bitrateKbps: 300,
    clock: systemClock,
    log,
  });
  const feed = new VideoFeed({ source, clock: systemClock, log });
  const viewers = new Map<string, TestViewer>();
  const signals: { sessionId: string; signal: VideoSignalUp }[] = [];
  const announced: string[] = [];
  const publisher = new VideoPublisher({
    feed,
    clock: systemClock,
    log,
    maxViewers: options.maxViewers ?? 3,
    silenceMs: options.silenceMs ?? 10_000,
    firstFrameTimeoutMs: 10_000,
    announce: (text) => void announced.push(text),
    send: (sessionId, signal) => {
      signals.push({ sessionId, signal });
      const viewer = viewers.get(sessionId);
      if (signal.kind === 'offer') viewer?.offer(signal.sdp);
      if (signal.kind === 'candidate') viewer?.candidate(signal.candidate, signal.mid ?? 'video');
    },
  });
  const join = async (sessionId: string) => {
    const viewer = new TestViewer([], (s) => {
      if (s.kind === 'answer') publisher.answer(sessionId, s.sdp);
      else publisher.candidate(sessionId, s.candidate, s.mid);
    });
    viewers.set(sessionId, viewer);
    await publisher.open({ sessionId, iceServers: [], viewerName: 'Ana' });
    return viewer;
  };
  const said = (sessionId: string, kind: VideoSignalUp['kind']) =>
    signals.find((s) => s.sessionId === sessionId && s.signal.kind === kind)?.signal;
  // Counts what reaches the encoder: a viewer's PLI must become a request to make an IDR.
  const keyframeRequests = { count: 0 };
  const request = source.requestKeyframe.bind(source);
  source.requestKeyframe = () => {
    keyframeRequests.count++;
    return request();
  };
  return { feed, publisher, viewers, join, said, announced, keyframeRequests };
}

describe('VideoPublisher with a node-datachannel viewer', () => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  it('streams RTP to a viewer, answers a PLI with an IDR within a second, and stops the camera when it leaves', async () => {
    const r = rig();
    cleanup = async () => {
      for (const v of r.viewers.values()) v.close();
      await r.publisher.stop();
    };
    const viewer = await r.join('s1');
    const offer = await until('the offer', () => r.said('s1', 'offer'));
    expect(offer.kind === 'offer' && offer.sdp).toMatch(/profile-level-id=42[ce]0[0-9a-f]{2}/);
    expect(r.announced).toEqual(['Ana from your care team is looking in through the camera now.']);
    await viewer.firstKeyframe();
    expect(r.said('s1', 'connected')).toEqual({ kind: 'connected', candidateType: 'host' });
    const before = viewer.rtpPackets;
    await until('more RTP', () => viewer.rtpPackets > before + 30);

    // Past the rate limit of any keyframe made for the viewer's start, ask with a PLI.
    await new Promise((r) => setTimeout(r, 1100));
    const requestsBefore = r.keyframeRequests.count;
    const asked = performance.now();
    const idr = await viewer.requestKeyframe();
    expect(idr - asked).toBeLessThan(1000);
    expect(r.keyframeRequests.count).toBe(requestsBefore + 1);

    expect(r.feed.running).toBe(true);
    expect(ffmpegChildren()).toHaveLength(1);
    await r.publisher.end('s1', 'bye');
    expect(r.feed.running).toBe(false);
    expect(ffmpegChildren()).toEqual([]);
    expect(r.said('s1', 'ended')).toMatchObject({ kind: 'ended', reason: 'bye' });
  });

  it('refuses a viewer over the limit with a clear message, and lets go of one that vanishes without bye', async () => {
    const r = rig({ maxViewers: 1, silenceMs: 2000 });
    cleanup = async () => {
      for (const v of r.viewers.values()) v.close();
      await r.publisher.stop();
    };
    const first = await r.join('a');
    await first.firstKeyframe();
    await r.join('b');
    expect(r.said('b', 'refused')).toEqual({
      kind: 'refused',
      code: 'VIEWER_LIMIT',
      message: '1 person is already watching this home; try again when one of them stops',
    });
    expect(r.publisher.viewers).toBe(1);

    // The viewer goes away without a word (its RTCP stops); the hub notices and frees the camera.
    first.close();
    const ended = await until('the session to end', () => r.said('a', 'ended'), 15_000);
    expect(ended).toMatchObject({ kind: 'ended' });
    expect(r.publisher.viewers).toBe(0);
    await until('the camera to stop', () => !r.feed.running && ffmpegChildren().length === 0);
  });
});

describe('VideoPublisher session limits (fake camera and clock)', () => {
  it('ends a session at its expiry, tells the viewer, and stops the camera', async () => {
    const clock = new FakeClock();
    const source = new FakeVideoSource();
    const feed = new VideoFeed({ source, clock, log });
    const said: VideoSignalUp[] = [];
    const publisher = new VideoPublisher({
      feed,
      clock,
      log,
      maxViewers: 1,
      silenceMs: 10_000,
      firstFrameTimeoutMs: 5000,
      send: (_id, signal) => said.push(signal),
    });
    const opening = publisher.open({
      sessionId: 'x',
      iceServers: [],
      expiresAt: new Date(clock.now() + 20_000).toISOString(),
    });
    await new Promise((r) => setImmediate(r));
    source.emit(true);
    await opening;
    expect(source.running).toBe(true);
    clock.advance(19_000);
    expect(said.some((s) => s.kind === 'ended')).toBe(false);
    clock.advance(1000);
    await until('the viewer to be told', () => said.some((s) => s.kind === 'ended'));
    expect(source.running).toBe(false);
    expect(said.filter((s) => s.kind === 'ended')).toEqual([
      { kind: 'ended', reason: 'the session reached its time limit', seconds: 0 },
    ]);
    expect(publisher.viewers).toBe(0);
  });

  it('shows a viewer connecting just after the camera started its recent keyframe and what followed at once, at their own times', async () => {
    const clock = new FakeClock();
    const source = new FakeVideoSource();
    let viewer: TestViewer | null = null;
    const publisher = new VideoPublisher({
      feed: new VideoFeed({ source, clock, log }),
      clock,
      log,
      maxViewers: 1,
      silenceMs: 10_000,
      firstFrameTimeoutMs: 5000,
      send: (_id, signal) => {
        if (signal.kind === 'offer') viewer?.offer(signal.sdp);
        if (signal.kind === 'candidate') viewer?.candidate(signal.candidate, signal.mid ?? 'video');
      },
    });
    viewer = new TestViewer([], (s) =>
      s.kind === 'answer' ? publisher.answer('v', s.sdp) : publisher.candidate('v', s.candidate, s.mid),
    );
    try {
      const opening = publisher.open({ sessionId: 'v', iceServers: [] });
      await new Promise((r) => setImmediate(r));
      // The camera's first keyframe and two pictures after it, a frame time apart, before anyone connects.
      source.emit(true);
      clock.advance(33);
      source.emit(false);
      clock.advance(33);
      source.emit(false);
      await opening;
      await viewer.firstKeyframe();
      await until('the pictures since the keyframe', () => viewer!.pictureTimestamps.length >= 3);
      // No new keyframe was made for it (that would restart the encoder for everyone watching).
      expect(source.keyframeRequests).toBe(0);
      const [a, b, c] = viewer.pictureTimestamps;
      expect([b! - a!, c! - b!]).toEqual([33 * 90, 33 * 90]);
    } finally {
      viewer.close();
      await publisher.stop();
    }
  });

  it('refuses when there is no camera, or when it gives no picture in time', async () => {
    const said: VideoSignalUp[] = [];
    const none = new VideoPublisher({
      feed: null,
      clock: new FakeClock(),
      log,
      maxViewers: 1,
      silenceMs: 10_000,
      firstFrameTimeoutMs: 5000,
      send: (_id, signal) => said.push(signal),
    });
    await none.open({ sessionId: 'a', iceServers: [] });
    expect(said).toEqual([
      { kind: 'refused', code: 'NO_CAMERA', message: 'this home has no camera configured' },
    ]);

    const clock = new FakeClock();
    const source = new FakeVideoSource();
    const dark = new VideoPublisher({
      feed: new VideoFeed({ source, clock, log }),
      clock,
      log,
      maxViewers: 1,
      silenceMs: 10_000,
      firstFrameTimeoutMs: 5000,
      send: (_id, signal) => said.push(signal),
    });
    const opening = dark.open({ sessionId: 'b', iceServers: [] });
    await new Promise((r) => setImmediate(r));
    clock.advance(5000);
    await opening;
    expect(said.at(-1)).toMatchObject({ kind: 'refused', code: 'CAMERA_UNAVAILABLE' });
    expect(source.running).toBe(false);
  });
});

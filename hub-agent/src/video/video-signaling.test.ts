import type { VideoSignalUp } from '@hearth/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeVideoSource } from './fake-source.js';
import { VideoFeed } from './video-feed.js';
import { VideoPublisher } from './video-publisher.js';
import { type SignalMessage, VideoSignaling } from './video-signaling.js';

const log = pino({ level: 'silent' });
const SESSION = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const topic = `video:${SESSION}`;

function rig(online = true) {
  const clock = new FakeClock();
  const source = new FakeVideoSource();
  const sent: SignalMessage[] = [];
  let signaling: VideoSignaling;
  const publisher = new VideoPublisher({
    feed: new VideoFeed({ source, clock, log }),
    clock,
    log,
    maxViewers: 2,
    silenceMs: 10_000,
    firstFrameTimeoutMs: 5000,
    send: (id, s) => signaling.emit(id, s),
  });
  signaling = new VideoSignaling({
    publisher,
    log,
    send: (m) => {
      if (online) sent.push(m);
      return online;
    },
  });
  const data = () => sent.map((m) => m.data);
  return { clock, source, publisher, signaling, sent, data };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('VideoSignaling', () => {
  it('starts a session on `start`, sends the offer on the session topic, and ends it on `bye`', async () => {
    const r = rig();
    const started = r.signaling.receive(topic, { kind: 'start', sessionId: SESSION, iceServers: [] });
    await new Promise((res) => setImmediate(res));
    r.source.emit(true);
    await started;
    await until(() => r.data().some((d) => d.kind === 'offer'));
    const offer = r.sent.find((m) => m.data.kind === 'offer')!;
    expect(offer.topic).toBe(topic);
    expect(offer.type).toBe('signal');
    expect(offer.data.kind === 'offer' && offer.data.sdp).toMatch(/a=sendonly/);
    expect(offer.data.kind === 'offer' && offer.data.sdp).toMatch(/profile-level-id=42c01f/);
    expect(r.source.running).toBe(true);
    // No answer yet (the viewer may have subscribed after the first offer): the offer goes again.
    r.clock.advance(1500);
    expect(r.data().filter((d) => d.kind === 'offer').length).toBe(2);

    await r.signaling.receive(topic, { kind: 'bye' });
    expect(r.source.running).toBe(false);
    expect(r.data().at(-1)).toMatchObject({ kind: 'ended', reason: 'the viewer left' });
  });

  it('answers a signal it cannot use with a refusal that names the problem', async () => {
    const r = rig();
    await r.signaling.receive(topic, { kind: 'answer' });
    await r.signaling.receive(topic, { kind: 'answer', sdp: 'v=0' });
    await r.signaling.receive(topic, {
      kind: 'start',
      sessionId: '00000000-0000-4000-8000-000000000000',
      iceServers: [],
    });
    await r.signaling.receive('alerts', { kind: 'bye' });
    expect(r.data()).toEqual<VideoSignalUp[]>([
      {
        kind: 'refused',
        code: 'BAD_SIGNAL',
        message: expect.stringMatching(/cannot use this signal \(sdp: /) as unknown as string,
      },
      { kind: 'refused', code: 'BAD_SIGNAL', message: 'no such video session on this hub' },
      { kind: 'refused', code: 'BAD_SIGNAL', message: 'the start names another session than its topic' },
    ]);
    expect(r.sent.every((m) => m.topic === topic)).toBe(true);
  });
});

import { VideoSignalDown, type VideoSignalUp } from '@hearth/shared';
import type { Logger } from 'pino';
import type { VideoPublisher } from './video-publisher.js';
import { VideoSessionError } from './video-publisher.js';

/** A `signal` message of the control channel, either way. */
export interface SignalMessage {
  type: 'signal';
  topic: string;
  data: VideoSignalUp;
}

export interface VideoSignalingDeps {
  publisher: VideoPublisher;
  /** Sends a message up the control channel; false when it is down (nothing is queued). */
  send: (message: SignalMessage) => boolean;
  log: Logger;
}

const VIDEO_TOPIC = /^video:([0-9a-f-]{36})$/i;

/**
 * The hub's end of video signaling, without a socket: `receive` takes each `signal` the cloud sent
 * (topic and data, not yet trusted), and the publisher's answers leave through `send`. A message
 * that cannot be used is answered with `refused`/`BAD_SIGNAL` naming the problem, never dropped.
 */
export class VideoSignaling {
  constructor(private readonly deps: VideoSignalingDeps) {}

  /** What the publisher says to the viewer of `sessionId`, wrapped for the control channel. */
  static outbound(sessionId: string, signal: VideoSignalUp): SignalMessage {
    return { type: 'signal', topic: `video:${sessionId}`, data: signal };
  }

  /** Publisher output: up the control channel, or a log line when the channel is down. */
  emit(sessionId: string, signal: VideoSignalUp): void {
    if (!this.deps.send(VideoSignaling.outbound(sessionId, signal)))
      this.deps.log.warn(
        { sessionId, kind: signal.kind },
        'video signal not sent: the control channel is down',
      );
  }

  /** One `signal` message from the cloud. Resolves once it is handled (a start waits for the camera). */
  async receive(topic: string, data: unknown): Promise<void> {
    const { log, publisher } = this.deps;
    const sessionId = VIDEO_TOPIC.exec(topic)?.[1];
    if (!sessionId) {
      log.warn({ topic }, 'ignored a signal outside a video topic');
      return;
    }
    const parsed = VideoSignalDown.safeParse(data);
    if (!parsed.success) {
      const problem = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'data'}: ${i.message}`)
        .join('; ');
      return this.refuse(sessionId, `the hub cannot use this signal (${problem})`);
    }
    const signal = parsed.data;
    try {
      switch (signal.kind) {
        case 'start':
          if (signal.sessionId !== sessionId)
            return this.refuse(sessionId, 'the start names another session than its topic');
          return await publisher.open(signal);
        case 'answer':
          return publisher.answer(sessionId, signal.sdp);
        case 'candidate':
          // The hub's offer has one media section, `video`; a browser may name it by `sdpMid` alone.
          return publisher.candidate(sessionId, signal.candidate, signal.mid ?? signal.sdpMid ?? 'video');
        case 'bye':
          return await publisher.end(sessionId, signal.reason ?? 'the viewer left');
      }
    } catch (error) {
      if (error instanceof VideoSessionError) return this.refuse(sessionId, error.message);
      throw error;
    }
  }

  private refuse(sessionId: string, message: string): void {
    this.deps.log.warn({ sessionId, reason: message }, 'video signal refused');
    this.emit(sessionId, { kind: 'refused', code: 'BAD_SIGNAL', message });
  }
}

import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { FfmpegSource } from './ffmpeg-source.js';
import type { VideoConfig } from './video-config.js';
import { VideoFeed } from './video-feed.js';
import { VideoPublisher } from './video-publisher.js';
import { type SignalMessage, VideoSignaling } from './video-signaling.js';

export { VideoConfig, type VideoConfigInput, VideoSourceSpec } from './video-config.js';

export interface HubVideoDeps {
  config: VideoConfig;
  clock: Clock;
  log: Logger;
  /** Up the control channel; false when it is down. */
  send: (message: SignalMessage) => boolean;
  /** Ask the robot to say something in the home, where a robot is paired. */
  announce?: ((text: string) => void | Promise<void>) | undefined;
}

/** The hub's live video: the camera from the config, the publisher and its signaling port. */
export function buildHubVideo(deps: HubVideoDeps) {
  const { config, clock, log } = deps;
  const feed = config.source
    ? new VideoFeed({
        source: new FfmpegSource({
          spec: config.source,
          bitrateKbps: config.bitrateKbps,
          ffmpeg: config.ffmpeg,
          clock,
          log,
        }),
        clock,
        log,
      })
    : null;
  let signaling: VideoSignaling | null = null;
  const publisher = new VideoPublisher({
    feed,
    clock,
    log,
    maxViewers: config.maxViewers,
    silenceMs: config.viewerSilenceSeconds * 1000,
    firstFrameTimeoutMs: config.firstFrameTimeoutSeconds * 1000,
    send: (sessionId, signal) => signaling?.emit(sessionId, signal),
    ...(deps.announce && { announce: deps.announce }),
  });
  signaling = new VideoSignaling({ publisher, send: deps.send, log });
  return {
    feed,
    publisher,
    signaling,
    module: { name: 'video', start: async () => {}, stop: () => publisher.stop() },
  };
}

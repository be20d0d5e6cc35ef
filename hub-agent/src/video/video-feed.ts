import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { type AccessUnit, parseSps, type SpsInfo } from './h264.js';
import type { VideoSource } from './video-source.js';

export interface VideoFeedDeps {
  source: VideoSource;
  clock: Clock;
  log: Logger;
  /** Fewest milliseconds between two keyframes made on request (default 1000). */
  keyframeEveryMs?: number;
  /** Most bytes kept of the pictures since the last keyframe, for a viewer joining (default 4 MiB). */
  maxCatchUpBytes?: number;
}

/** A picture and when the camera gave it (the clock's milliseconds): its RTP timestamp comes from that. */
export interface Picture {
  unit: AccessUnit;
  capturedAt: number;
}

/** Someone watching the feed: gets every picture while subscribed. */
export type FrameListener = (picture: Picture) => void;

/** Thrown when the camera gives no picture in time; `code` for the signaling answer. */
export class VideoUnavailableError extends Error {
  readonly code = 'CAMERA_UNAVAILABLE';
}

/**
 * One camera shared by everyone watching it: the source runs only while someone watches and stops
 * when the last one leaves; keyframe requests from all viewers are merged into at most one a second.
 */
export class VideoFeed {
  private readonly listeners = new Set<FrameListener>();
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> = Promise.resolve();
  private lastKeyframeAt = Number.NEGATIVE_INFINITY;
  private cancelKeyframe: (() => void) | null = null;
  private sps: SpsInfo | null = null;
  private spsWaiters = new Set<(sps: SpsInfo) => void>();
  private problem: string | null = null;
  private framesSeen = 0;
  /** The pictures since the last keyframe, that one first; empty until one came, or when too many. */
  private sinceKeyframe: Picture[] = [];
  private sinceKeyframeBytes = 0;
  /** The source started and gave no keyframe yet: its first picture will be one, no need to ask. */
  private firstKeyframePending = false;
  private startedAt = 0;

  constructor(private readonly deps: VideoFeedDeps) {}

  /** Whether the source is running (someone watches). */
  get running(): boolean {
    return this.listeners.size > 0;
  }

  /** What status shows about the camera. */
  status(): {
    source: string;
    running: boolean;
    watchers: number;
    profileLevelId: string | null;
    problem: string | null;
  } {
    return {
      source: this.deps.source.description,
      running: this.running,
      watchers: this.listeners.size,
      profileLevelId: this.sps?.profileLevelId ?? null,
      problem: this.problem,
    };
  }

  /**
   * Starts watching: the first watcher starts the source. @returns the function that stops
   * watching (the last one stops the source), resolving once that is done.
   * @throws when the source cannot run at all.
   */
  async watch(listener: FrameListener): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      this.framesSeen = 0;
      this.forgetPictures();
      this.firstKeyframePending = true;
      this.startedAt = this.deps.clock.now();
      // Set at once so a second watcher arriving meanwhile waits for this same start.
      this.starting = this.stopping.then(() =>
        this.deps.source.start(
          (unit) => this.deliver(unit),
          (reason) => {
            this.problem = reason;
          },
        ),
      );
      this.deps.log.info({ source: this.deps.source.description }, 'camera started: someone is watching');
    }
    try {
      await this.starting;
    } catch (error) {
      this.listeners.delete(listener);
      throw error;
    }
    let watching = true;
    return async () => {
      if (!watching) return;
      watching = false;
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.cancelKeyframe?.();
      this.cancelKeyframe = null;
      this.forgetPictures();
      this.stopping = this.deps.source.stop();
      await this.stopping;
      this.deps.log.info({ source: this.deps.source.description }, 'camera stopped: nobody is watching');
    };
  }

  /**
   * The stream's SPS as the encoder actually writes it: the SDP's profile-level-id must match it or
   * the browser shows black. Waits for the first one while the feed runs.
   * @throws VideoUnavailableError when none comes within `timeoutMs`.
   */
  profile(timeoutMs: number): Promise<SpsInfo> {
    if (this.sps) return Promise.resolve(this.sps);
    return new Promise((resolve, reject) => {
      const waiter = (sps: SpsInfo) => {
        cancel();
        resolve(sps);
      };
      const cancel = this.deps.clock.setTimeout(() => {
        this.spsWaiters.delete(waiter);
        const why = this.problem ? `: ${this.problem}` : '';
        reject(new VideoUnavailableError(`the camera gave no picture within ${timeoutMs / 1000} s${why}`));
      }, timeoutMs);
      this.spsWaiters.add(waiter);
    });
  }

  /**
   * A viewer needs a keyframe (it just joined, or sent PLI/FIR). At most one is made a second;
   * a request inside that second is served when it ends, once for everyone who asked. While the
   * camera is starting nothing is asked (that would restart it): its first picture is a keyframe.
   */
  requestKeyframe(): void {
    if (!this.running || this.cancelKeyframe || this.firstKeyframePending) return;
    const wait = this.lastKeyframeAt + (this.deps.keyframeEveryMs ?? 1000) - this.deps.clock.now();
    const make = () => {
      this.cancelKeyframe = null;
      if (!this.running) return;
      this.lastKeyframeAt = this.deps.clock.now();
      this.deps.source.requestKeyframe();
    };
    if (wait <= 0) make();
    else this.cancelKeyframe = this.deps.clock.setTimeout(make, wait);
  }

  /**
   * What a viewer that just connected needs to show the picture at once instead of waiting for the
   * next keyframe: the last keyframe and every picture since, provided that keyframe is at most
   * `maxAgeMs` old (older, the viewer would start that far behind). Empty when there is none.
   */
  catchUp(maxAgeMs: number): Picture[] {
    const first = this.sinceKeyframe[0];
    if (!first || this.deps.clock.now() - first.capturedAt > maxAgeMs) return [];
    return [...this.sinceKeyframe];
  }

  private forgetPictures(): void {
    this.sinceKeyframe = [];
    this.sinceKeyframeBytes = 0;
  }

  private keep(picture: Picture): void {
    if (picture.unit.keyframe) this.forgetPictures();
    else if (this.sinceKeyframe.length === 0) return;
    this.sinceKeyframe.push(picture);
    this.sinceKeyframeBytes += picture.unit.data.length;
    // A camera with keyframes far apart: no catching up until the next one.
    if (this.sinceKeyframeBytes > (this.deps.maxCatchUpBytes ?? 4 * 1024 * 1024)) this.forgetPictures();
  }

  private deliver(unit: AccessUnit): void {
    this.framesSeen++;
    const picture: Picture = { unit, capturedAt: this.deps.clock.now() };
    if (this.framesSeen === 1)
      this.deps.log.info(
        { source: this.deps.source.description, afterMs: picture.capturedAt - this.startedAt },
        'camera gave its first picture',
      );
    if (unit.keyframe) this.firstKeyframePending = false;
    this.keep(picture);
    if (this.problem && this.framesSeen > 1) this.problem = null;
    if (unit.sps && !this.sps) {
      try {
        this.sps = parseSps(unit.sps);
        for (const waiter of this.spsWaiters) waiter(this.sps);
        this.spsWaiters.clear();
      } catch (error) {
        this.deps.log.warn(
          { reason: (error as Error).message },
          'the camera sent an SPS that cannot be read',
        );
      }
    }
    for (const listener of this.listeners) {
      try {
        listener(picture);
      } catch (error) {
        this.deps.log.error({ err: String(error) }, 'a viewer could not take a picture');
      }
    }
  }
}

import type { AccessUnit } from './h264.js';
import type { VideoSource } from './video-source.js';

const START = Buffer.from([0, 0, 0, 1]);
/** Constrained baseline, level 3.1: what x264's baseline profile writes for 720p. */
export const FAKE_SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16]);
const PPS = Buffer.from([0x68, 0xce, 0x0f, 0xc8]);

/** A picture as a camera would send it: an IDR with its parameter sets, or a P slice. */
export function fakeAccessUnit(keyframe: boolean): AccessUnit {
  const slice = keyframe ? Buffer.from([0x65, 0x88, 0x84, 0x00]) : Buffer.from([0x41, 0x9a, 0x21, 0x6c]);
  const nals = keyframe ? [FAKE_SPS, PPS, slice] : [slice];
  return {
    data: Buffer.concat(nals.flatMap((n) => [START, n])),
    nalTypes: nals.map((n) => n[0]! & 0x1f),
    keyframe,
    ...(keyframe && { sps: FAKE_SPS }),
  };
}

/** A source for unit tests: pictures appear when the test calls `emit()`. */
export class FakeVideoSource implements VideoSource {
  readonly description = 'fake camera';
  running = false;
  starts = 0;
  stops = 0;
  keyframeRequests = 0;
  /** Set to make `start()` fail, as a missing ffmpeg would. */
  failToStart: string | null = null;
  /** Whether requestKeyframe() can make one (an encoder) or not (a copied stream). */
  encodes = true;
  private onFrame: (unit: AccessUnit) => void = () => {};

  async start(onFrame: (unit: AccessUnit) => void): Promise<void> {
    if (this.failToStart) throw new Error(this.failToStart);
    this.starts++;
    this.running = true;
    this.onFrame = onFrame;
  }

  async stop(): Promise<void> {
    if (this.running) this.stops++;
    this.running = false;
  }

  requestKeyframe(): boolean {
    this.keyframeRequests++;
    return this.encodes;
  }

  /** Test control: the camera produces one picture (nothing happens while stopped). */
  emit(keyframe = false): void {
    if (this.running) this.onFrame(fakeAccessUnit(keyframe));
  }
}

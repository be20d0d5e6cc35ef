import type { AccessUnit } from './h264.js';

/**
 * A camera, as the publisher sees it: H.264 access units in Annex B, each whole, in order.
 * One instance serves every viewer; `VideoFeed` decides when it runs.
 */
export interface VideoSource {
  /** For logs and status: what this source is (never a password from a URL). */
  readonly description: string;
  /**
   * Starts producing pictures into `onFrame`. Resolves once the producer runs; rejects only when it
   * cannot run at all (ffmpeg missing). A producer that dies later is restarted by the source itself
   * and the reason given to `onProblem`.
   */
  start(onFrame: (unit: AccessUnit) => void, onProblem: (reason: string) => void): Promise<void>;
  /** Stops producing; resolves once the producer is gone. Safe to call when stopped. */
  stop(): Promise<void>;
  /**
   * Asks for an IDR soon. @returns true when the source will make one now (it encodes itself);
   * false when it can only pass on the camera's next one (a copied stream).
   */
  requestKeyframe(): boolean;
}

import { z } from 'zod';

const size = {
  width: z.number().int().min(16).max(3840).default(1280),
  height: z.number().int().min(16).max(2160).default(720),
  fps: z.number().int().min(1).max(60).default(30),
};

/** Where the picture comes from. Every kind runs through ffmpeg and ends as H.264 Annex B. */
export const VideoSourceSpec = z.discriminatedUnion('kind', [
  z
    .object({
      /** The robot's camera. */
      kind: z.literal('rtsp'),
      url: z.string().regex(/^rtsps?:\/\//, 'expected an rtsp:// or rtsps:// URL'),
      transport: z.enum(['tcp', 'udp']).default('tcp'),
      /** The camera does not send H.264 (H.265, MJPEG…): encode instead of copying. */
      reencode: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      /** A camera on the hub itself (`/dev/videoN`). */
      kind: z.literal('v4l2'),
      device: z.string().default('/dev/video0'),
      /** What to ask the camera for; only `h264` is passed on without encoding. */
      inputFormat: z.enum(['h264', 'mjpeg', 'yuyv422']).default('h264'),
      ...size,
    })
    .strict(),
  z
    .object({
      /** ffmpeg's moving test pattern, encoded like a camera would be: for tests and the demo. */
      kind: z.literal('test-pattern'),
      ...size,
    })
    .strict(),
]);
export type VideoSourceSpec = z.infer<typeof VideoSourceSpec>;

/** The hub's `video` settings; every one has a default, and without `source` the hub has no camera. */
export const VideoConfig = z
  .object({
    source: VideoSourceSpec.optional(),
    /** Most staff watching this home at once; one more is told the limit was reached. */
    maxViewers: z.number().int().min(1).max(16).default(3),
    /** Bitrate of the encoder when the hub encodes (test pattern, non-H.264 cameras), in kbit/s. */
    bitrateKbps: z.number().int().min(100).max(20_000).default(2000),
    /** The ffmpeg program. */
    ffmpeg: z.string().default('ffmpeg'),
    /** A viewer not heard from (RTCP) for this long has gone away without saying so. */
    viewerSilenceSeconds: z.number().min(2).max(300).default(10),
    /** Longest wait for the camera's first picture before a session is refused. */
    firstFrameTimeoutSeconds: z.number().min(1).max(60).default(10),
  })
  .strict();
export type VideoConfig = z.infer<typeof VideoConfig>;
export type VideoConfigInput = z.input<typeof VideoConfig>;

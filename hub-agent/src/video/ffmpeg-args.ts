import type { VideoSourceSpec } from './video-config.js';

/** Whether the hub encodes this source itself, so it can make a keyframe whenever it wants. */
export function encodesItself(spec: VideoSourceSpec): boolean {
  if (spec.kind === 'rtsp') return spec.reencode;
  if (spec.kind === 'v4l2') return spec.inputFormat !== 'h264';
  return true;
}

/**
 * When the encoder makes IDRs: four in its first second (0, ¼, ½, ¾ s), so a viewer whose connection
 * opens just after the camera started is shown the last one with what followed it instead of
 * restarting the encoder; then one every two seconds. `n_forced` counts the IDRs made so far.
 */
export const KEYFRAME_SCHEDULE = 'expr:if(lt(t,1),gte(t,n_forced*0.25),gte(t,(n_forced-3)*2))';

/**
 * H.264 that every browser decodes (Safari and iOS included): constrained baseline, no B-frames,
 * no lookahead, an IDR at least every two seconds whatever the frame rate, and SPS/PPS before
 * every IDR so a viewer can start at any of them.
 */
function encodeArgs(bitrateKbps: number): string[] {
  return [
    ...['-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency'],
    ...['-pix_fmt', 'yuv420p', '-force_key_frames', KEYFRAME_SCHEDULE],
    ...['-x264-params', 'repeat-headers=1'],
    ...[
      '-b:v',
      `${bitrateKbps}k`,
      '-maxrate',
      `${bitrateKbps}k`,
      '-bufsize',
      `${Math.round(bitrateKbps / 2)}k`,
    ],
  ];
}

/**
 * Copying keeps the camera's own keyframes; `dump_extra` repeats the parameter sets (often only in
 * the RTSP SDP) before each of them so a viewer can start there.
 */
const copyArgs = ['-c:v', 'copy', '-bsf:v', 'dump_extra=freq=keyframe'];

/** The ffmpeg command line (without the program) that writes the source's H.264 Annex B to stdout. */
export function ffmpegArgs(spec: VideoSourceSpec, bitrateKbps: number): string[] {
  const input = (() => {
    switch (spec.kind) {
      case 'rtsp':
        return [
          ...['-rtsp_transport', spec.transport, '-fflags', 'nobuffer', '-flags', 'low_delay'],
          ...['-timeout', '5000000', '-i', spec.url],
        ];
      case 'v4l2':
        return [
          ...['-f', 'v4l2', '-input_format', spec.inputFormat, '-framerate', String(spec.fps)],
          ...['-video_size', `${spec.width}x${spec.height}`, '-i', spec.device],
        ];
      case 'test-pattern':
        // -re: lavfi makes pictures as fast as it can; a camera makes them in real time.
        return ['-re', '-f', 'lavfi', '-i', `testsrc=size=${spec.width}x${spec.height}:rate=${spec.fps}`];
    }
  })();
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    ...input,
    '-an',
    ...(encodesItself(spec) ? encodeArgs(bitrateKbps) : copyArgs),
    // Each picture leaves ffmpeg as soon as it is made, not when an output buffer fills.
    ...['-flush_packets', '1', '-f', 'h264', 'pipe:1'],
  ];
}

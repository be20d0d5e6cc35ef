import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { encodesItself, ffmpegArgs } from './ffmpeg-args.js';
import { type AccessUnit, AccessUnitAssembler } from './h264.js';
import type { VideoSourceSpec } from './video-config.js';
import type { VideoSource } from './video-source.js';

export interface FfmpegSourceDeps {
  spec: VideoSourceSpec;
  bitrateKbps: number;
  /** The ffmpeg program (default `ffmpeg`). */
  ffmpeg?: string;
  clock: Clock;
  log: Logger;
  /** Delay before running ffmpeg again after it died on its own (default 1 s). */
  restartDelayMs?: number;
}

/** The last lines ffmpeg wrote on stderr, kept to say why it stopped. */
const STDERR_KEEP = 2000;

/**
 * Runs ffmpeg and cuts its H.264 output into access units. A keyframe on demand restarts the
 * encoder (x264 has no "make an IDR now" control from outside); a copied camera stream cannot
 * make one, so it waits for the camera's next.
 */
export class FfmpegSource implements VideoSource {
  readonly description: string;
  private child: ChildProcess | null = null;
  private running = false;
  private cancelRestart: () => void = () => {};
  private onFrame: (unit: AccessUnit) => void = () => {};
  private onProblem: (reason: string) => void = () => {};

  constructor(private readonly deps: FfmpegSourceDeps) {
    const { spec } = deps;
    this.description =
      spec.kind === 'rtsp'
        ? `rtsp ${redact(spec.url)}`
        : spec.kind === 'v4l2'
          ? `v4l2 ${spec.device}`
          : `test pattern ${spec.width}x${spec.height}@${spec.fps}`;
  }

  async start(onFrame: (unit: AccessUnit) => void, onProblem: (reason: string) => void): Promise<void> {
    if (this.running) return;
    this.onFrame = onFrame;
    this.onProblem = onProblem;
    this.running = true;
    try {
      await this.spawn();
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelRestart();
    await this.kill();
  }

  requestKeyframe(): boolean {
    if (!encodesItself(this.deps.spec)) return false;
    if (!this.running) return true;
    this.deps.log.debug({}, 'restarting the encoder for a keyframe');
    void this.kill()
      .then(() => (this.running ? this.spawn() : undefined))
      .catch((error: unknown) => this.onProblem(`cannot restart ffmpeg: ${(error as Error).message}`));
    return true;
  }

  private spawn(): Promise<void> {
    const { deps } = this;
    const child = spawn(deps.ffmpeg ?? 'ffmpeg', ffmpegArgs(deps.spec, deps.bitrateKbps), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const assembler = new AccessUnitAssembler();
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      // A process being replaced may still write; only the current one speaks.
      if (this.child !== child) return;
      for (const unit of assembler.push(chunk)) this.onFrame(unit);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        if (this.child === child) this.child = null;
        reject(new Error(`cannot run ${deps.ffmpeg ?? 'ffmpeg'}: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        if (this.child !== child) return;
        this.child = null;
        if (!this.running) return;
        const why = stderr.trim().split('\n').slice(-3).join(' | ') || 'no message';
        const reason = `ffmpeg for ${this.description} stopped (${signal ?? `exit ${code}`}): ${why}`;
        deps.log.warn({ reason }, 'camera stopped; starting it again');
        this.onProblem(reason);
        this.cancelRestart = deps.clock.setTimeout(() => {
          if (this.running) this.spawn().catch((error: Error) => this.onProblem(error.message));
        }, deps.restartDelayMs ?? 1000);
      });
    });
  }

  /** Ends the current ffmpeg: SIGTERM, then SIGKILL if it lingers. */
  private kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = this.deps.clock.setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        cancel();
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** `rtsp://user:secret@cam/x` → `rtsp://user:***@cam/x`. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

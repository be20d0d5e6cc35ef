import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { FrameError } from './errors.js';
import { type DecodedFrame, decodeFrame } from './frame.js';
import { MAX_ENCODED_FRAME_LENGTH } from './protocol.js';

/** Running totals a caller can show in diagnostics (`hearth diagnose`, logs). */
export interface FrameParserStats {
  /** Frames decoded and pushed downstream. */
  frames: number;
  /** Frames refused (bad COBS, CRC, version, type, payload) or overflows. */
  errors: number;
  /** Bytes thrown away: refused frames, overflowing runs, a truncated tail at the end. */
  discardedBytes: number;
}

export interface FrameParserOptions extends Omit<TransformOptions, 'readableObjectMode' | 'objectMode'> {
  /**
   * Most bytes held while waiting for a delimiter. Beyond this the run is discarded up to the next
   * 0x00, so a line of noise can never grow the buffer. Defaults to the largest legal encoded frame.
   */
  maxEncodedLength?: number;
}

/**
 * Turns a byte stream (a serial port) into decoded frames, in the style of serialport's
 * `DelimiterParser`: it keeps the bytes after the last 0x00 for the next chunk, so frames may be
 * split anywhere. A bad frame never stops the stream: it is reported with a `frameError` event
 * (a `FrameError`) and parsing resumes at the next delimiter. The readable side is in object mode
 * and yields `DecodedFrame`s.
 */
export class FrameParser extends Transform {
  readonly stats: FrameParserStats = { frames: 0, errors: 0, discardedBytes: 0 };
  private readonly maxEncodedLength: number;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** True after an overflow, until the next delimiter: those bytes belong to no frame we could read. */
  private skipping = false;

  constructor({ maxEncodedLength = MAX_ENCODED_FRAME_LENGTH, ...options }: FrameParserOptions = {}) {
    super({ ...options, readableObjectMode: true });
    this.maxEncodedLength = maxEncodedLength;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    let start = 0;
    while (start < data.length) {
      const end = data.indexOf(0, start);
      if (end === -1) {
        this.hold(data.subarray(start));
        break;
      }
      this.hold(data.subarray(start, end));
      this.completeFrame();
      start = end + 1;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.pendingLength > 0 && !this.skipping) {
      this.refuse(
        new FrameError('FRAME_TRUNCATED', `stream ended ${this.pendingLength} bytes into a frame`),
        this.pendingLength,
      );
    }
    this.pending = [];
    this.pendingLength = 0;
    cb();
  }

  private hold(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipping) {
      this.stats.discardedBytes += piece.length;
      return;
    }
    if (this.pendingLength + piece.length > this.maxEncodedLength) {
      this.refuse(
        new FrameError(
          'BUFFER_OVERFLOW',
          `no frame delimiter within ${this.maxEncodedLength} bytes; discarding up to the next delimiter`,
        ),
        this.pendingLength + piece.length,
      );
      this.pending = [];
      this.pendingLength = 0;
      this.skipping = true;
      return;
    }
    // Copy: the caller may reuse its chunk buffer (serialport's bindings do).
    this.pending.push(Buffer.from(piece));
    this.pendingLength += piece.length;
  }

  private completeFrame(): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (this.pendingLength === 0) return; // back-to-back delimiters are idle fill, not frames
    const encoded = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLength = 0;
    let frame: DecodedFrame;
    try {
      frame = decodeFrame(encoded);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.refuse(err, encoded.length);
      return;
    }
    this.stats.frames++;
    this.push(frame);
  }

  private refuse(err: FrameError, bytes: number): void {
    this.stats.errors++;
    this.stats.discardedBytes += bytes;
    this.emit('frameError', err);
  }
}

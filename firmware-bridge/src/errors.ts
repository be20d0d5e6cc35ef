/** Why a frame was refused. Every decoding failure carries exactly one of these. */
export type FrameErrorCode =
  /** The bytes between two delimiters are not valid COBS (a code byte points past the end). */
  | 'COBS_INVALID'
  /** Fewer bytes than a header and a CRC. */
  | 'FRAME_TOO_SHORT'
  /** More bytes than the largest frame the protocol allows. */
  | 'FRAME_TOO_LONG'
  /** The CRC-16 at the end does not match the bytes before it (line noise or a truncated frame). */
  | 'CRC_MISMATCH'
  /** The version byte names a protocol this build does not speak. */
  | 'UNSUPPORTED_VERSION'
  /** The type byte is not a known frame type. */
  | 'UNKNOWN_TYPE'
  /** The payload does not match the layout of its type (wrong length, bad text, out-of-range field). */
  | 'PAYLOAD_INVALID'
  /** Bytes arrived without a delimiter for longer than any frame could be; they were discarded. */
  | 'BUFFER_OVERFLOW'
  /** The stream ended in the middle of a frame. */
  | 'FRAME_TRUNCATED';

/**
 * A frame that cannot be decoded or a message that cannot be encoded. Decoders never throw anything
 * else for bad input, so a caller can count and log these and carry on with the next frame.
 */
export class FrameError extends Error {
  override readonly name = 'FrameError';

  constructor(
    /** What kind of failure this is; stable for callers to branch on. */
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
  }
}

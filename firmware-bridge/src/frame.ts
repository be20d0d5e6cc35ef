import { cobsDecode, cobsEncode } from './cobs.js';
import { crc16CcittFalse } from './crc16.js';
import { FrameError } from './errors.js';
import { decodePayload, encodePayload, frameTypeByCode, type Message } from './messages.js';
import {
  CRC_LENGTH,
  FrameType,
  HEADER_LENGTH,
  MAX_ENCODED_FRAME_LENGTH,
  MAX_FRAME_LENGTH,
  PROTOCOL_VERSION,
} from './protocol.js';

/**
 * One frame: `version u8 | type u8 | seq u16 BE | payload | CRC-16/CCITT-FALSE u16 BE`, COBS-stuffed
 * and followed by a single 0x00 on the wire. The CRC covers version through payload.
 */
export interface Frame<M extends Message = Message> {
  /** Sender's sequence number, 0..65535, wrapping. Acks name the frame they acknowledge by it. */
  seq: number;
  message: M;
}

/** A frame as received, with the version it declared. */
export interface DecodedFrame extends Frame {
  version: number;
}

/** Header, payload and CRC before byte stuffing; exposed for test vectors and diagnostics. */
export function encodeRawFrame(frame: Frame): Buffer {
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > 0xffff) {
    throw new FrameError('PAYLOAD_INVALID', `seq must be an integer 0..65535, got ${frame.seq}`);
  }
  const type = FrameType[frame.message.type];
  if (type === undefined) {
    throw new FrameError('UNKNOWN_TYPE', `unknown message type ${JSON.stringify(frame.message.type)}`);
  }
  const payload = encodePayload(frame.message);
  const raw = Buffer.alloc(HEADER_LENGTH + payload.length + CRC_LENGTH);
  raw[0] = PROTOCOL_VERSION;
  raw[1] = type;
  raw.writeUInt16BE(frame.seq, 2);
  payload.copy(raw, HEADER_LENGTH);
  raw.writeUInt16BE(crc16CcittFalse(raw.subarray(0, raw.length - CRC_LENGTH)), raw.length - CRC_LENGTH);
  return raw;
}

/** The bytes to write to the wire for a frame: COBS-stuffed, then the 0x00 delimiter. */
export function encodeFrame(frame: Frame): Buffer {
  const stuffed = cobsEncode(encodeRawFrame(frame));
  return Buffer.concat([stuffed, Buffer.of(0)]);
}

/** Checks and parses an unstuffed frame (header, payload, CRC). Throws `FrameError` only. */
export function decodeRawFrame(raw: Buffer): DecodedFrame {
  if (raw.length < HEADER_LENGTH + CRC_LENGTH) {
    throw new FrameError(
      'FRAME_TOO_SHORT',
      `frame of ${raw.length} bytes is shorter than a header and CRC (${HEADER_LENGTH + CRC_LENGTH})`,
    );
  }
  if (raw.length > MAX_FRAME_LENGTH) {
    throw new FrameError('FRAME_TOO_LONG', `frame of ${raw.length} bytes exceeds ${MAX_FRAME_LENGTH}`);
  }
  const expected = raw.readUInt16BE(raw.length - CRC_LENGTH);
  const actual = crc16CcittFalse(raw.subarray(0, raw.length - CRC_LENGTH));
  if (expected !== actual) {
    throw new FrameError(
      'CRC_MISMATCH',
      `CRC mismatch: frame says 0x${hex4(expected)}, bytes give 0x${hex4(actual)}`,
    );
  }
  const version = raw[0]!;
  if (version !== PROTOCOL_VERSION) {
    throw new FrameError(
      'UNSUPPORTED_VERSION',
      `protocol version ${version} is not supported (this hub speaks version ${PROTOCOL_VERSION}); update the node's firmware or the hub`,
    );
  }
  const typeCode = raw[1]!;
  const type = frameTypeByCode.get(typeCode);
  if (!type)
    throw new FrameError('UNKNOWN_TYPE', `unknown frame type 0x${typeCode.toString(16).padStart(2, '0')}`);
  const seq = raw.readUInt16BE(2);
  const message = decodePayload(type, raw.subarray(HEADER_LENGTH, raw.length - CRC_LENGTH));
  return { version, seq, message };
}

/** Decodes the COBS bytes between two delimiters (the delimiter excluded). Throws `FrameError` only. */
export function decodeFrame(encoded: Uint8Array): DecodedFrame {
  if (encoded.length > MAX_ENCODED_FRAME_LENGTH) {
    throw new FrameError(
      'FRAME_TOO_LONG',
      `encoded frame of ${encoded.length} bytes exceeds ${MAX_ENCODED_FRAME_LENGTH}`,
    );
  }
  return decodeRawFrame(cobsDecode(encoded));
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

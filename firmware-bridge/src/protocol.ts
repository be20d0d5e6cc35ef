/** Protocol constants shared with the C firmware (firmware/src/hearth_frame.h keeps the same numbers). */

/** The only frame layout this build speaks; a frame with another version is refused, not guessed at. */
export const PROTOCOL_VERSION = 1;

/** Frame type byte. Node → hub types are below 0x10, hub → node types from 0x10. */
export const FrameType = {
  hello: 0x01,
  reading: 0x02,
  event: 0x03,
  heartbeat: 0x04,
  ack: 0x10,
  sync: 0x11,
} as const;
export type FrameTypeName = keyof typeof FrameType;

/** version (1) + type (1) + sequence (2, big-endian). */
export const HEADER_LENGTH = 4;
/** CRC-16/CCITT-FALSE, big-endian, over header and payload. */
export const CRC_LENGTH = 2;
/** Largest payload; sized so a full hello fits and an 8-bit node can hold a frame in RAM. */
export const MAX_PAYLOAD_LENGTH = 240;
export const MAX_FRAME_LENGTH = HEADER_LENGTH + MAX_PAYLOAD_LENGTH + CRC_LENGTH;
/** COBS adds one byte per 254 and one more; the 0x00 delimiter is not counted. */
export const MAX_ENCODED_FRAME_LENGTH = MAX_FRAME_LENGTH + Math.ceil(MAX_FRAME_LENGTH / 254) + 1;

/** What a node's sensor measures. The wire carries the code; names match the hub's sensor kinds. */
export const NodeSensorKind = {
  motion: 1,
  contact: 2,
  pressure: 3,
  button: 4,
  temperature: 5,
  humidity: 6,
} as const;
export type NodeSensorKind = keyof typeof NodeSensorKind;

/** Limits a node must respect; the decoder refuses anything outside them with `PAYLOAD_INVALID`. */
export const LIMITS = {
  nodeIdLength: 24,
  firmwareVersionLength: 16,
  sensorNameLength: 12,
  sensors: 12,
  /** Reading values are sent as mantissa × 10^exponent with a signed 32-bit mantissa. */
  minExponent: -9,
  maxExponent: 9,
} as const;

/** Node ids and sensor names end up in hub sensor ids (`<nodeId>/<sensor>`), so keep them plain. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9_-]+$/;
/** Firmware versions are free text, but printable ASCII only. */
export const PRINTABLE_PATTERN = /^[\x20-\x7e]+$/;

import { invalid, PayloadReader, PayloadWriter } from './payload-io.js';
import {
  FrameType,
  type FrameTypeName,
  IDENTIFIER_PATTERN,
  LIMITS,
  NodeSensorKind,
  PRINTABLE_PATTERN,
} from './protocol.js';

/** One sensor a node announces; its position in the hello's list is its index in readings and events. */
export interface SensorDescriptor {
  name: string;
  kind: NodeSensorKind;
}

/** Sent by a node when it boots and whenever the hub asks (`sync`). Reliable: resent until acked. */
export interface HelloMessage {
  type: 'hello';
  nodeId: string;
  firmwareVersion: string;
  /** Random per boot: a new value tells the hub the node restarted and its sequence numbers began again. */
  bootId: number;
  /** The node's millisecond uptime counter (wraps after ~49.7 days). */
  uptimeMs: number;
  /** How often the node promises a heartbeat; the hub marks it unavailable after a few missed. */
  heartbeatIntervalMs: number;
  sensors: SensorDescriptor[];
}

/** A measured value (temperature, humidity, pressure…). Reliable. */
export interface ReadingMessage {
  type: 'reading';
  /** Index into the hello's sensor list. */
  sensor: number;
  /** Node uptime when measured; lets the hub date readings that were resent late. */
  uptimeMs: number;
  value: number;
}

/** A change of state (motion began, door opened, button pressed). Reliable. */
export interface EventMessage {
  type: 'event';
  sensor: number;
  uptimeMs: number;
  active: boolean;
}

/** "Still alive". Not acked and not resent: a late heartbeat says nothing. */
export interface HeartbeatMessage {
  type: 'heartbeat';
  uptimeMs: number;
  /** Frames the node holds waiting for an ack. */
  pending: number;
  /** Frames the node discarded because its resend queue was full (saturates at 65535). */
  dropped: number;
}

/** Hub → node: "I have the frame with this sequence number". */
export interface AckMessage {
  type: 'ack';
  ackSeq: number;
}

/** Hub → node: "introduce yourself" (sent when the hub opens the port and does not know the node). */
export interface SyncMessage {
  type: 'sync';
}

export type NodeMessage = HelloMessage | ReadingMessage | EventMessage | HeartbeatMessage;
export type HubMessage = AckMessage | SyncMessage;
export type Message = NodeMessage | HubMessage;

/** Node messages the hub must acknowledge and the node resends until it does. */
export function isReliable(message: Message): boolean {
  return message.type === 'hello' || message.type === 'reading' || message.type === 'event';
}

const kindByCode = new Map<number, NodeSensorKind>(
  Object.entries(NodeSensorKind).map(([name, code]) => [code, name as NodeSensorKind]),
);

/**
 * Splits a reading into the wire's mantissa × 10^exponent, choosing the smallest exponent magnitude that
 * represents the number exactly. Throws `PAYLOAD_INVALID` for NaN, infinities and values that need more
 * than a signed 32-bit mantissa.
 */
export function toDecimal(value: number): { mantissa: number; exponent: number } {
  if (!Number.isFinite(value)) invalid(`reading value must be a finite number, got ${value}`);
  for (let exponent = 0; exponent >= LIMITS.minExponent; exponent--) {
    const scaled = value * 10 ** -exponent;
    const mantissa = Math.round(scaled);
    if (!fitsInt32(mantissa)) break;
    if (Math.abs(scaled - mantissa) <= 1e-12 * Math.max(1, Math.abs(scaled))) return { mantissa, exponent };
  }
  for (let exponent = 1; exponent <= LIMITS.maxExponent; exponent++) {
    const mantissa = value / 10 ** exponent;
    if (Number.isInteger(mantissa) && fitsInt32(mantissa)) return { mantissa, exponent };
  }
  return invalid(`reading value ${value} cannot be sent as a 32-bit mantissa with a decimal exponent`);
}

function fitsInt32(n: number): boolean {
  return n >= -0x80000000 && n <= 0x7fffffff;
}

/** The number a mantissa and exponent stand for; divides for negative exponents so 215e-1 is exactly 21.5. */
export function fromDecimal(mantissa: number, exponent: number): number {
  return exponent < 0 ? mantissa / 10 ** -exponent : mantissa * 10 ** exponent;
}

/** Lays out a message's payload. Throws `FrameError('PAYLOAD_INVALID')` naming the offending field. */
export function encodePayload(message: Message): Buffer {
  const w = new PayloadWriter();
  switch (message.type) {
    case 'hello': {
      w.u32(message.bootId, 'bootId').u32(message.uptimeMs, 'uptimeMs');
      w.u32(message.heartbeatIntervalMs, 'heartbeatIntervalMs');
      w.text(message.nodeId, LIMITS.nodeIdLength, IDENTIFIER_PATTERN, 'nodeId');
      w.text(message.firmwareVersion, LIMITS.firmwareVersionLength, PRINTABLE_PATTERN, 'firmwareVersion');
      if (!Array.isArray(message.sensors) || message.sensors.length > LIMITS.sensors) {
        invalid(`a node may announce at most ${LIMITS.sensors} sensors`);
      }
      w.u8(message.sensors.length, 'sensor count');
      for (const [i, sensor] of message.sensors.entries()) {
        const code = NodeSensorKind[sensor.kind];
        if (code === undefined)
          invalid(`sensors[${i}].kind ${JSON.stringify(sensor.kind)} is not a known kind`);
        w.u8(code, `sensors[${i}].kind`);
        w.text(sensor.name, LIMITS.sensorNameLength, IDENTIFIER_PATTERN, `sensors[${i}].name`);
      }
      break;
    }
    case 'reading': {
      const { mantissa, exponent } = toDecimal(message.value);
      w.u8(message.sensor, 'sensor')
        .u32(message.uptimeMs, 'uptimeMs')
        .i32(mantissa, 'value')
        .i8(exponent, 'exponent');
      break;
    }
    case 'event':
      w.u8(message.sensor, 'sensor')
        .u32(message.uptimeMs, 'uptimeMs')
        .u8(message.active ? 1 : 0, 'active');
      break;
    case 'heartbeat':
      w.u32(message.uptimeMs, 'uptimeMs').u8(message.pending, 'pending').u16(message.dropped, 'dropped');
      break;
    case 'ack':
      w.u16(message.ackSeq, 'ackSeq');
      break;
    case 'sync':
      break;
    default:
      invalid(`unknown message type ${JSON.stringify((message as { type: unknown }).type)}`);
  }
  return w.done();
}

/** Reads a payload of the given frame type. Throws `FrameError('PAYLOAD_INVALID')` naming what is wrong. */
export function decodePayload(type: FrameTypeName, payload: Buffer): Message {
  const r = new PayloadReader(payload, type);
  let message: Message;
  switch (type) {
    case 'hello': {
      const bootId = r.u32('bootId');
      const uptimeMs = r.u32('uptimeMs');
      const heartbeatIntervalMs = r.u32('heartbeatIntervalMs');
      const nodeId = r.text(LIMITS.nodeIdLength, IDENTIFIER_PATTERN, 'nodeId');
      const firmwareVersion = r.text(LIMITS.firmwareVersionLength, PRINTABLE_PATTERN, 'firmwareVersion');
      const count = r.u8('sensor count');
      if (count > LIMITS.sensors)
        invalid(`hello announces ${count} sensors; at most ${LIMITS.sensors} allowed`);
      const sensors: SensorDescriptor[] = [];
      for (let i = 0; i < count; i++) {
        const code = r.u8(`sensors[${i}].kind`);
        const kind = kindByCode.get(code);
        if (!kind) invalid(`sensors[${i}].kind code ${code} is not a known sensor kind`);
        sensors.push({
          kind,
          name: r.text(LIMITS.sensorNameLength, IDENTIFIER_PATTERN, `sensors[${i}].name`),
        });
      }
      message = { type, nodeId, firmwareVersion, bootId, uptimeMs, heartbeatIntervalMs, sensors };
      break;
    }
    case 'reading': {
      const sensor = r.u8('sensor');
      const uptimeMs = r.u32('uptimeMs');
      const mantissa = r.i32('value');
      const exponent = r.i8('exponent');
      if (exponent < LIMITS.minExponent || exponent > LIMITS.maxExponent) {
        invalid(`reading exponent ${exponent} is outside ${LIMITS.minExponent}..${LIMITS.maxExponent}`);
      }
      message = { type, sensor, uptimeMs, value: fromDecimal(mantissa, exponent) };
      break;
    }
    case 'event': {
      const sensor = r.u8('sensor');
      const uptimeMs = r.u32('uptimeMs');
      const active = r.u8('active');
      if (active > 1) invalid(`event state must be 0 or 1, got ${active}`);
      message = { type, sensor, uptimeMs, active: active === 1 };
      break;
    }
    case 'heartbeat':
      message = { type, uptimeMs: r.u32('uptimeMs'), pending: r.u8('pending'), dropped: r.u16('dropped') };
      break;
    case 'ack':
      message = { type, ackSeq: r.u16('ackSeq') };
      break;
    case 'sync':
      message = { type };
      break;
  }
  r.end();
  return message;
}

export const frameTypeByCode = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([name, code]) => [code, name as FrameTypeName]),
);

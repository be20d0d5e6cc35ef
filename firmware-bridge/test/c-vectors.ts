import type { Message } from '../src/messages.js';
import { NodeSensorKind } from '../src/protocol.js';
import type { vectors as Vectors } from './vectors.js';

/** Renders the shared JSON vectors as a C header for firmware/host/vector_test.c. */
export function renderVectorsHeader(v: typeof Vectors): string {
  const bytes = (hex: string) => {
    const b = Buffer.from(hex, 'hex');
    return b.length === 0
      ? '(const uint8_t *)""'
      : `(const uint8_t[]){${[...b].map((x) => `0x${x.toString(16)}`).join(',')}}`;
  };
  const len = (hex: string) => hex.length / 2;
  const str = (s: string) => JSON.stringify(s);
  const text = (s: string) => `{${str(s)}, ${s.length}}`;
  const msg = (seq: number, m: Message, wire?: { mantissa: number; exponent: number }) => {
    switch (m.type) {
      case 'hello':
        return `{.type = HEARTH_HELLO, .seq = ${seq}, .u.hello = {.boot_id = ${m.bootId}u, .uptime_ms = ${m.uptimeMs}u, .heartbeat_interval_ms = ${m.heartbeatIntervalMs}u, .node_id = ${text(m.nodeId)}, .firmware_version = ${text(m.firmwareVersion)}, .sensor_count = ${m.sensors.length}, .sensors = {${m.sensors.map((s) => `{${NodeSensorKind[s.kind]}, ${text(s.name)}}`).join(', ')}}}}`;
      case 'reading':
        return `{.type = HEARTH_READING, .seq = ${seq}, .u.reading = {.sensor = ${m.sensor}, .uptime_ms = ${m.uptimeMs}u, .mantissa = ${wire!.mantissa === -2147483648 ? '(-2147483647 - 1)' : wire!.mantissa}, .exponent = ${wire!.exponent}}}`;
      case 'event':
        return `{.type = HEARTH_EVENT, .seq = ${seq}, .u.event = {.sensor = ${m.sensor}, .uptime_ms = ${m.uptimeMs}u, .active = ${m.active ? 1 : 0}}}`;
      case 'heartbeat':
        return `{.type = HEARTH_HEARTBEAT, .seq = ${seq}, .u.heartbeat = {.uptime_ms = ${m.uptimeMs}u, .pending = ${m.pending}, .dropped = ${m.dropped}}}`;
      case 'ack':
        return `{.type = HEARTH_ACK, .seq = ${seq}, .u.ack = {.ack_seq = ${m.ackSeq}}}`;
      case 'sync':
        return `{.type = HEARTH_SYNC, .seq = ${seq}}`;
    }
  };
  return [
    '/* Generated from firmware-bridge/vectors/ JSON files by the test run; do not edit. */',
    `static const crc_vector_t crc_vectors[] = {${v.crc.map((c) => `{${str(c.name)}, ${bytes(c.input)}, ${len(c.input)}, 0x${c.crc}}`).join(',\n')}};`,
    `static const cobs_vector_t cobs_vectors[] = {${v.cobs.map((c) => `{${str(c.name)}, ${bytes(c.decoded)}, ${len(c.decoded)}, ${bytes(c.encoded)}, ${len(c.encoded)}}`).join(',\n')}};`,
    `static const frame_vector_t frame_vectors[] = {${v.valid.map((f) => `{${str(f.name)}, ${msg(f.frame.seq, f.frame.message, f.wire)}, ${bytes(f.raw)}, ${len(f.raw)}, ${bytes(f.encoded)}, ${len(f.encoded)}}`).join(',\n')}};`,
    `static const bad_vector_t bad_vectors[] = {${v.invalid.map((b) => `{${str(b.name)}, ${bytes(b.encoded)}, ${len(b.encoded)}, ${str(b.error)}}`).join(',\n')}};`,
    '',
  ].join('\n');
}

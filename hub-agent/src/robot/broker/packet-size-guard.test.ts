import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-size-guard.js';

function publish(payloadBytes: number): Buffer {
  return mqttPacket.generate({
    cmd: 'publish',
    topic: 'hearth/robot/r1/status',
    payload: Buffer.alloc(payloadBytes, 1),
    qos: 0,
    dup: false,
    retain: false,
  });
}

/** Feeds `bytes` split at every `step` bytes; resolves with what passed, or the error. */
function feed(max: number, bytes: Buffer, step: number): Promise<{ passed: Buffer; error?: Error }> {
  const guard = new PacketSizeGuard(max);
  const out: Buffer[] = [];
  guard.on('data', (c: Buffer) => out.push(c));
  return new Promise((resolve) => {
    guard.on('error', (error) => resolve({ passed: Buffer.concat(out), error }));
    guard.on('finish', () => resolve({ passed: Buffer.concat(out) }));
    for (let i = 0; i < bytes.length; i += step) guard.write(bytes.subarray(i, i + step));
    guard.end();
  });
}

describe('PacketSizeGuard', () => {
  it('passes packets under the limit unchanged, however the stream is split', async () => {
    const stream = Buffer.concat([
      publish(10),
      publish(200),
      publish(20_000),
      mqttPacket.generate({ cmd: 'pingreq' }),
    ]);
    for (const step of [1, 2, 3, 7, 128, stream.length]) {
      const { passed, error } = await feed(32_000, stream, step);
      expect(error, `step ${step}`).toBeUndefined();
      expect(passed.equals(stream)).toBe(true);
    }
  });

  it('fails the connection at the header of a packet over the limit', async () => {
    const stream = Buffer.concat([publish(10), publish(70_000)]);
    for (const step of [1, 5, stream.length]) {
      const { error, passed } = await feed(65_536, stream, step);
      expect(error?.message).toMatch(/exceeds the limit of 65536/);
      // The small packet went through; the big one's body never did.
      expect(passed.length).toBeLessThan(publish(10).length + 1000);
    }
  });

  it('refuses a remaining length longer than four bytes', async () => {
    const { error } = await feed(1 << 30, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 1);
    expect(error?.message).toMatch(/malformed/);
  });
});

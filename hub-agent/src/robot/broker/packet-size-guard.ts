import { Transform, type TransformCallback } from 'node:stream';

/** Thrown into the connection when a client announces a packet over the limit. */
export class PacketTooLargeError extends Error {
  readonly code = 'PACKET_TOO_LARGE';
}

/**
 * Passes an MQTT byte stream through unchanged while reading each packet's fixed header
 * (MQTT-2.2: one type byte, then the Remaining Length in 1-4 bytes of 7 bits each). A packet whose
 * announced size exceeds `maxBytes` fails the stream before its body is buffered, so one client
 * cannot make the broker hold megabytes. aedes has no such limit of its own.
 */
export class PacketSizeGuard extends Transform {
  /** Bytes of the current packet's body still to pass, or -1 while reading a header. */
  private remaining = -1;
  private headerBytes = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.remaining = -1;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.headerBytes === 0) {
        this.headerBytes = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerBytes++;
      if (byte & 0x80) {
        // MQTT-2.2.3: at most four length bytes; a fifth is malformed.
        if (this.headerBytes > 4) {
          done(new PacketTooLargeError('malformed MQTT remaining length'));
          return;
        }
        continue;
      }
      const total = this.headerBytes + this.length;
      if (total > this.maxBytes) {
        done(new PacketTooLargeError(`MQTT packet of ${total} bytes exceeds the limit of ${this.maxBytes}`));
        return;
      }
      this.headerBytes = 0;
      this.remaining = this.length === 0 ? -1 : this.length;
    }
    done(null, chunk);
  }
}

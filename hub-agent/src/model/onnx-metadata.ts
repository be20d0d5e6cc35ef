// Reads `ModelProto.metadata_props` (field 14, repeated StringStringEntryProto {key = 1, value = 2})
// straight from the protobuf wire format, so the hub needs no ONNX schema package just to read
// a few strings. Wire types per https://protobuf.dev/programming-guides/encoding/.

const METADATA_PROPS = 14;

class Cursor {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const byte = this.buf[this.pos++] as number;
      // Lengths and tags fit in 2^53; the high bytes of larger varints are read but not kept exactly.
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error('field runs past the end of the file');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
    if (this.pos > this.buf.length) throw new Error('field runs past the end of the file');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The model's metadata entries. @throws Error when the bytes are not a well-formed protobuf message. */
export function readOnnxMetadata(model: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const top = new Cursor(model);
  while (!top.done) {
    const tag = top.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field !== METADATA_PROPS || wireType !== 2) {
      top.skip(wireType);
      continue;
    }
    const entry = new Cursor(top.bytes());
    let key = '';
    let value = '';
    while (!entry.done) {
      const t = entry.varint();
      if ((t & 7) === 2 && t >>> 3 === 1) key = utf8.decode(entry.bytes());
      else if ((t & 7) === 2 && t >>> 3 === 2) value = utf8.decode(entry.bytes());
      else entry.skip(t & 7);
    }
    out.set(key, value);
  }
  return out;
}

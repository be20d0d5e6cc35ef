import { FrameError } from './errors.js';
import { MAX_PAYLOAD_LENGTH } from './protocol.js';

/** Refuses a payload (to encode or decode) with a message naming the field at fault. */
export function invalid(message: string): never {
  throw new FrameError('PAYLOAD_INVALID', message);
}

/** Appends big-endian fields, checking each against its range. */
export class PayloadWriter {
  private bytes: number[] = [];
  u8(v: number, field: string): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) invalid(`${field} must be an integer 0..255, got ${v}`);
    this.bytes.push(v);
    return this;
  }
  i8(v: number, field: string): this {
    if (!Number.isInteger(v) || v < -128 || v > 127)
      invalid(`${field} must be an integer -128..127, got ${v}`);
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number, field: string): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      invalid(`${field} must be an integer 0..65535, got ${v}`);
    this.bytes.push(v >>> 8, v & 0xff);
    return this;
  }
  u32(v: number, field: string): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      invalid(`${field} must be an integer 0..2^32-1, got ${v}`);
    this.bytes.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  i32(v: number, field: string): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff)
      invalid(`${field} must fit a signed 32-bit integer`);
    return this.u32(v >>> 0, field);
  }
  text(v: string, max: number, pattern: RegExp, field: string): this {
    if (typeof v !== 'string' || v.length < 1 || v.length > max || !pattern.test(v)) {
      invalid(`${field} must be 1..${max} characters matching ${pattern}, got ${JSON.stringify(v)}`);
    }
    this.u8(v.length, `${field} length`);
    for (let i = 0; i < v.length; i++) this.bytes.push(v.charCodeAt(i));
    return this;
  }
  done(): Buffer {
    if (this.bytes.length > MAX_PAYLOAD_LENGTH) {
      invalid(`payload of ${this.bytes.length} bytes exceeds the ${MAX_PAYLOAD_LENGTH}-byte limit`);
    }
    return Buffer.from(this.bytes);
  }
}

/** Reads big-endian fields, refusing a payload that ends early or carries trailing bytes. */
export class PayloadReader {
  private offset = 0;
  constructor(
    private readonly data: Buffer,
    private readonly type: string,
  ) {}
  private need(n: number, field: string): void {
    if (this.offset + n > this.data.length) {
      invalid(`${this.type} payload ends before ${field} (offset ${this.offset}, ${this.data.length} bytes)`);
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.data.readUInt8(this.offset++);
  }
  i8(field: string): number {
    this.need(1, field);
    return this.data.readInt8(this.offset++);
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.data.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.data.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  text(max: number, pattern: RegExp, field: string): string {
    const length = this.u8(`${field} length`);
    if (length < 1 || length > max) invalid(`${field} length ${length} is outside 1..${max}`);
    this.need(length, field);
    const v = this.data.toString('latin1', this.offset, this.offset + length);
    this.offset += length;
    if (!pattern.test(v)) invalid(`${field} ${JSON.stringify(v)} does not match ${pattern}`);
    return v;
  }
  end(): void {
    if (this.offset !== this.data.length) {
      invalid(`${this.type} payload has ${this.data.length - this.offset} unexpected trailing bytes`);
    }
  }
}

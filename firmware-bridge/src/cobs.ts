import { FrameError } from './errors.js';

/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, IEEE/ACM Transactions on Networking 7(2), 1999).
 * The output contains no 0x00, so 0x00 can delimit frames on the wire; the overhead is one byte per
 * 254 bytes of input (plus one). The delimiter itself is not part of the encoding.
 */
export function cobsEncode(input: Uint8Array): Buffer {
  const out = Buffer.alloc(input.length + Math.ceil(input.length / 254) + 1);
  let codeIndex = 0;
  let write = 1;
  let code = 1;
  for (const byte of input) {
    if (byte === 0) {
      out[codeIndex] = code;
      codeIndex = write++;
      code = 1;
      continue;
    }
    out[write++] = byte;
    code++;
    if (code === 0xff) {
      out[codeIndex] = code;
      codeIndex = write++;
      code = 1;
    }
  }
  out[codeIndex] = code;
  return out.subarray(0, write);
}

/**
 * Reverses {@link cobsEncode}. Throws a `FrameError` with code `COBS_INVALID` when the input contains a
 * 0x00 or a code byte runs past the end, which is what a truncated or corrupted frame looks like.
 */
export function cobsDecode(input: Uint8Array): Buffer {
  const out = Buffer.alloc(input.length);
  let read = 0;
  let write = 0;
  while (read < input.length) {
    const code = input[read]!;
    if (code === 0) throw new FrameError('COBS_INVALID', `COBS data contains a zero byte at offset ${read}`);
    if (read + code > input.length) {
      throw new FrameError(
        'COBS_INVALID',
        `COBS code byte ${code} at offset ${read} runs past the end of the ${input.length}-byte frame`,
      );
    }
    read++;
    for (let i = 1; i < code; i++) {
      const byte = input[read++]!;
      if (byte === 0)
        throw new FrameError('COBS_INVALID', `COBS data contains a zero byte at offset ${read - 1}`);
      out[write++] = byte;
    }
    // A block shorter than 254 data bytes stands for "data, then a zero" — except at the very end.
    if (code !== 0xff && read < input.length) out[write++] = 0;
  }
  return out.subarray(0, write);
}

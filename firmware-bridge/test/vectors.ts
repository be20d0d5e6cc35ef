import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FrameErrorCode } from '../src/errors.js';
import type { Frame } from '../src/frame.js';

/** The shared vectors in firmware-bridge/vectors/, checked by the TypeScript codec and the C firmware alike. */
export interface CrcVector {
  name: string;
  input: string;
  crc: string;
}
export interface CobsVector {
  name: string;
  decoded: string;
  encoded: string;
}
export interface ValidFrameVector {
  name: string;
  frame: Frame;
  /** For readings: the mantissa and exponent the value travels as. */
  wire?: { mantissa: number; exponent: number };
  raw: string;
  encoded: string;
}
export interface InvalidFrameVector {
  name: string;
  encoded: string;
  error: FrameErrorCode;
}

const dir = fileURLToPath(new URL('../vectors/', import.meta.url));
const load = <T>(file: string): T => JSON.parse(readFileSync(dir + file, 'utf8')) as T;

export const vectors = {
  dir,
  crc: load<{ vectors: CrcVector[] }>('crc16.json').vectors,
  cobs: load<{ vectors: CobsVector[] }>('cobs.json').vectors,
  ...load<{ valid: ValidFrameVector[]; invalid: InvalidFrameVector[] }>('frames.json'),
};

/** A `Range` header as this server honours it: one range of bytes, or none. */
export type ByteRange =
  | { kind: 'none' }
  | { kind: 'range'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * Reads `Range: bytes=N-`, `bytes=N-M` or `bytes=-K` (the last K bytes) against a file of `size` bytes
 * (RFC 9110 §14.1.2). A header it does not understand, or several ranges, is ignored and the whole
 * file is sent, as the RFC allows; a range starting past the end is unsatisfiable (416).
 */
export function byteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return { kind: 'none' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}

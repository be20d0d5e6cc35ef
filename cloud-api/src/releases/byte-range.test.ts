import { describe, expect, it } from 'vitest';
import { byteRange } from './byte-range.js';

describe('Range header', () => {
  it('resumes from an offset to the end', () => {
    expect(byteRange('bytes=100-', 1000)).toEqual({ kind: 'range', start: 100, end: 999 });
  });
  it('takes a closed range, cut at the end of the file', () => {
    expect(byteRange('bytes=10-19', 1000)).toEqual({ kind: 'range', start: 10, end: 19 });
    expect(byteRange('bytes=990-5000', 1000)).toEqual({ kind: 'range', start: 990, end: 999 });
  });
  it('takes the last bytes', () => {
    expect(byteRange('bytes=-10', 1000)).toEqual({ kind: 'range', start: 990, end: 999 });
  });
  it('says a range past the end cannot be served', () => {
    expect(byteRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
  });
  it('sends the whole file for what it does not understand', () => {
    for (const h of [undefined, '', 'bytes=a-', 'bytes=1-2,4-5', 'items=1-', 'bytes=20-10', 'bytes=-'])
      expect(byteRange(h, 1000)).toEqual({ kind: 'none' });
  });
});

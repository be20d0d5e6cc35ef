import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  storableJsonObject,
  storableText,
  Timestamp,
  unstorableJsonReason,
} from './storable.js';

describe('what PostgreSQL can store', () => {
  it('text: refuses NUL and lone surrogates, keeps paired surrogates (emoji)', () => {
    expect(storableText().safeParse('Ada 😀').success).toBe(true);
    expect(storableText().safeParse('a\u0000b').error?.issues[0]?.message).toMatch(/NUL/);
    expect(storableText().safeParse('a\ud800').error?.issues[0]?.message).toMatch(/surrogate/);
    expect(storableText().safeParse('\udc00a').success).toBe(false);
  });

  it('timestamps: year 0001 to 9999 and offsets within ±15:59', () => {
    expect(Timestamp.safeParse('0001-01-01T00:00:00Z').success).toBe(true);
    expect(Timestamp.safeParse('2026-06-01T00:00:00+15:59').success).toBe(true);
    expect(Timestamp.safeParse('2026-06-01T00:00:00-15:59').success).toBe(true);
    expect(Timestamp.safeParse('0000-01-01T00:00:00Z').success).toBe(false);
    expect(Timestamp.safeParse('2026-06-01T00:00:00+16:00').success).toBe(false);
    expect(Timestamp.safeParse('2026-06-01T00:00:00-23:59').success).toBe(false);
  });

  it(`JSON: nesting up to ${MAX_JSON_DEPTH} levels, storable keys and strings, without recursing`, () => {
    const nest = (depth: number) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = { a: v };
      return v;
    };
    expect(unstorableJsonReason(nest(MAX_JSON_DEPTH))).toBeUndefined();
    expect(unstorableJsonReason(nest(MAX_JSON_DEPTH + 1))).toMatch(/nested deeper/);
    // A million levels: refused at the limit, no stack overflow.
    expect(unstorableJsonReason(nest(1_000_000))).toMatch(/nested deeper/);
    expect(storableJsonObject().safeParse({ list: [{ note: 'x\u0000' }] }).error?.issues[0]?.message).toMatch(
      /at list\.0\.note.*NUL/,
    );
    expect(storableJsonObject().safeParse({ 'k\ud800': 1 }).success).toBe(false);
  });
});

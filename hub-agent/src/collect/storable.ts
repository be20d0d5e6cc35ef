/**
 * What the cloud's PostgreSQL cannot store, checked on the hub before a reading is committed. A
 * reading the schemas accept but the database refuses would come back from every upload as an
 * error; refused here, it never enters the outbox and can never hold back the home's uploads.
 */

/** Deeper than this, a JSON value overflows the cloud driver's serializer (and no sensor needs it). */
export const MAX_JSON_DEPTH = 32;

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the years an ISO timestamp can name. */
const EARLIEST_TS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_TS = Date.parse('9999-12-31T23:59:59.999Z');

// U+0000 (PostgreSQL refuses 0x00 in text) and UTF-16 surrogates without their partner.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Why `text` cannot be stored, or null. */
export function textProblem(text: string): string | null {
  UNSTORABLE_TEXT.lastIndex = 0;
  const found = UNSTORABLE_TEXT.exec(text);
  if (!found) return null;
  return found[0] === '\u0000'
    ? `contains NUL (U+0000) at index ${found.index}`
    : `contains a lone UTF-16 surrogate at index ${found.index}`;
}

/** `text` with NUL and lone surrogates replaced by U+FFFD, for logs and for words that must go up anyway. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE_TEXT, '\uFFFD');
}

/** Why the timestamp (ms since the epoch) cannot be stored, or null. */
export function timestampProblem(ts: number): string | null {
  if (!Number.isFinite(ts)) return 'ts is not a number';
  if (ts < EARLIEST_TS || ts > LATEST_TS) return `ts ${ts} is outside the years 0001–9999`;
  return null;
}

/**
 * Why `value` (any JSON-like value) cannot be stored, naming where, or null: text with NUL or lone
 * surrogates (in keys too), numbers that are not finite, nesting deeper than MAX_JSON_DEPTH.
 * Walks iteratively, so an absurdly deep value cannot overflow the hub's own stack.
 */
export function valueProblem(value: unknown, name = 'value'): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: name, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return `${item.path} ${problem}`;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${item.path} is not a finite number`;
    } else if (v !== null && typeof v === 'object') {
      if (item.depth >= MAX_JSON_DEPTH) return `${item.path} is nested deeper than ${MAX_JSON_DEPTH} levels`;
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [key, child] of entries) {
        const keyProblem = textProblem(key);
        if (keyProblem) return `${item.path} has a key that ${keyProblem}`;
        stack.push({ value: child, path: `${item.path}.${key}`, depth: item.depth + 1 });
      }
    }
  }
  return null;
}

import { z } from 'zod';

// What the wire may carry but PostgreSQL cannot store. Every schema whose value reaches the
// database builds on these, so such input is refused at the edge with a precise 400 instead of
// failing (or being silently altered) in the database.

/** Deepest nesting accepted in free-form JSON (health information, alert evidence). */
export const MAX_JSON_DEPTH = 32;

/**
 * Why `s` cannot be stored as PostgreSQL text, or undefined when it can: text refuses U+0000, and
 * a lone UTF-16 surrogate has no UTF-8 form (the driver would silently turn it into U+FFFD).
 */
export function unstorableTextReason(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string PostgreSQL stores as it was sent; chain `.min()`/`.max()`/`.trim()` on it as usual. */
export function storableText() {
  return z.string().superRefine((s, ctx) => {
    const reason = unstorableTextReason(s);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
}

// PostgreSQL keeps UTC offsets within ±15:59 and has no year 0 (1 BC) in ISO input.
const OFFSET = /([+-])(\d{2}):?(\d{2})$/;

/** Why an ISO 8601 timestamp cannot be stored as `timestamptz`, or undefined when it can. */
export function unstorableTimestampReason(ts: string): string | undefined {
  if (ts.startsWith('0000')) return 'year 0000 does not exist; use 0001 or later';
  const offset = OFFSET.exec(ts);
  if (offset && Number(offset[2]) > 15) return 'the UTC offset must be within ±15:59';
  if (Number.isNaN(Date.parse(ts))) return 'is not a real date and time';
  return undefined;
}

/** An ISO 8601 date-time with offset that `timestamptz` can hold (query parameters and uploads). */
export const Timestamp = z.iso.datetime({ offset: true }).superRefine((ts, ctx) => {
  const reason = unstorableTimestampReason(ts);
  if (reason) ctx.addIssue({ code: 'custom', message: reason });
});

/**
 * Why `value` cannot be stored as `jsonb`, or undefined when it can: too deep (the driver's
 * serializer recurses), or a string or key that is not storable text. The walk is iterative and
 * stops at the depth limit, so a hostile value cannot exhaust the stack here either.
 */
export function unstorableJsonReason(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    const at = path ? ` (at ${path})` : '';
    if (typeof v === 'string') {
      const reason = unstorableTextReason(v);
      if (reason) return `text${at} ${reason}`;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `number${at} must be finite`;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return `is nested deeper than ${maxDepth} levels`;
      for (const [k, child] of Object.entries(v)) {
        const reason = unstorableTextReason(k);
        if (reason) return `key${at} ${reason}`;
        stack.push({ v: child, depth: depth + 1, path: path ? `${path}.${k}` : k });
      }
    } else if (typeof v !== 'boolean' && v !== undefined) {
      return `value${at} is not JSON`;
    }
  }
  return undefined;
}

/** A JSON object PostgreSQL's `jsonb` stores and gives back unchanged. */
export function storableJsonObject() {
  return z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    const reason = unstorableJsonReason(v);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });
}

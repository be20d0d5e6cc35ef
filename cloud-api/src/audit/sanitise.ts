// Audit details come from requests (an email typed at login, a hub's device id): whatever they
// hold, the audit row must still be writable, so they are made storable and bounded here.

const MAX_TEXT = 256;
const MAX_ITEMS = 50;
const MAX_DEPTH = 4;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text PostgreSQL stores: NUL and lone surrogates become U+FFFD, and it is cut to `max` characters. */
export function auditText(s: string, max = MAX_TEXT): string {
  const clean = s.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A JSON value `jsonb` stores: storable text, finite numbers, bounded depth and size. */
export function auditJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return auditText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value !== 'object') return value === undefined ? null : String(value);
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => auditJson(v, depth + 1));
  const entries = Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS);
  return Object.fromEntries(entries.map(([k, v]) => [auditText(k, 64), auditJson(v, depth + 1)]));
}

import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { describeIssues, summariseIssues } from '@hearth/shared';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './errors.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface ReadBodyOptions {
  /** Largest body accepted, both as sent and after decompression. */
  maxBytes: number;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, { maxBytes });
}

/**
 * Reads the raw body, refusing it as soon as it passes the limit (without buffering the rest), and
 * undoing `Content-Encoding: gzip|deflate` with the same limit on the decompressed size.
 * @throws ApiError 413 PAYLOAD_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE, 400 BAD_REQUEST (corrupt gzip).
 */
export async function readBodyBytes(c: Context, { maxBytes }: ReadBodyOptions): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding} is not supported; use gzip`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const body = c.req.raw.body;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(Buffer.from(value));
    }
  }
  const raw = Buffer.concat(chunks);
  if (encoding === 'identity') return raw;
  try {
    const inflater = encoding === 'deflate' ? inflateAsync : gunzipAsync;
    return await inflater(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new ApiError(400, 'BAD_REQUEST', `request body is not valid ${encoding} data`);
  }
}

/**
 * Reads a JSON body and validates it against `schema`.
 * @throws ApiError 415 when it is not JSON, 400 MALFORMED_JSON when it does not parse,
 * 400 VALIDATION_FAILED with `details.issues` (`path`, `message`) when it does not fit the schema.
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: ReadBodyOptions,
): Promise<z.infer<S>> {
  return validate(schema, await readJsonValue(c, options), 'request body');
}

/**
 * Reads a JSON body without judging its shape, for a route with its own validation.
 * @throws ApiError 415 when it is not JSON, 400 MALFORMED_JSON when it does not parse.
 */
export async function readJsonValue(c: Context, options: ReadBodyOptions): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type)) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type application/json, got ${type}`);
  }
  const bytes = await readBodyBytes(c, options);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    const reason = bytes.length === 0 ? 'the body is empty' : (err as Error).message;
    throw new ApiError(400, 'MALFORMED_JSON', `request body is not valid JSON: ${reason}`);
  }
  return parsed;
}

/** Validates any input (body, query, params). @throws ApiError 400 VALIDATION_FAILED naming each field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ApiError(400, 'VALIDATION_FAILED', `${what} is invalid: ${summariseIssues(result.error)}`, {
      issues: describeIssues(result.error),
    });
  }
  return result.data;
}

/** Like `readJson`, but an absent or empty body counts as `{}` (for actions whose body is optional). */
export async function readOptionalJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: ReadBodyOptions,
): Promise<z.infer<S>> {
  if (!c.req.raw.body || c.req.header('content-length') === '0') return validate(schema, {}, 'request body');
  const bytes = await readBodyBytes(c, options);
  if (bytes.length === 0) return validate(schema, {}, 'request body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ApiError(400, 'MALFORMED_JSON', `request body is not valid JSON: ${(err as Error).message}`);
  }
  return validate(schema, parsed, 'request body');
}

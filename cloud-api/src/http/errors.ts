import type { ErrorCode, ErrorEnvelope } from '@hearth/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error class the API throws; `onError` turns it into the `{error:{code,message,details?}}` envelope. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** 404 with the same words whether the thing is absent or merely not yours, so ids cannot be probed. */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found`);
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22: a value the column cannot hold, an invalid
 * encoding, a date out of range…) as the 400 it is: the caller's input, not the server, is at
 * fault. The schemas refuse such input first; this is the net under them. Anything else: undefined.
 */
export function dataErrorAsApiError(err: unknown): ApiError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, code, message } = err as { name?: unknown; code?: unknown; message?: unknown };
  if (name !== 'PostgresError' || typeof code !== 'string' || !code.startsWith('22')) return undefined;
  return new ApiError(400, 'VALIDATION_FAILED', `the database cannot store this input: ${String(message)}`, {
    sqlstate: code,
  });
}

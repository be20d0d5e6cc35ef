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

import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { bearerToken } from '../auth/tokens.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards /metrics: it tells open alert counts and traffic, so only a scraper holding
 * HEARTH_METRICS_TOKEN (sent as `Authorization: Bearer`, Prometheus's `authorization` setting)
 * reads it. Without a configured token the endpoint is off rather than open.
 * @throws ApiError 404 when no token is configured, 401 UNAUTHENTICATED for a missing or wrong one.
 */
export function requireMetricsToken(token: string | undefined): MiddlewareHandler<AppEnv> {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (!expected) {
      throw new ApiError(404, 'NOT_FOUND', '/metrics is off; set HEARTH_METRICS_TOKEN to serve it');
    }
    const given = bearerToken(c.req.header('authorization'));
    // Compare digests in constant time so the token cannot be guessed a byte at a time.
    if (!given || !timingSafeEqual(digest(given), expected)) {
      throw new ApiError(
        401,
        'UNAUTHENTICATED',
        'send Authorization: Bearer <HEARTH_METRICS_TOKEN>',
        undefined,
        {
          'www-authenticate': 'Bearer realm="metrics"',
        },
      );
    }
    await next();
  };
}

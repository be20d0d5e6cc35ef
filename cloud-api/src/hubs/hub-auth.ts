import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@hearth/shared';
import type { MiddlewareHandler } from 'hono';
import { bearerToken } from '../auth/tokens.js';
import type { CloudDeps } from '../deps.js';
import type { AppEnv } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { clientAddress } from '../http/request-info.js';
import type { HubStore } from './hub-store.js';

/**
 * Requires a hub API key and, when the hub names its protocol version, a version we speak.
 * @throws ApiError 401 UNAUTHENTICATED (unknown key), 401 HUB_REVOKED, 400 PROTOCOL_MISMATCH.
 */
export function requireHub(deps: CloudDeps, hubs: HubStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const protocol = c.req.header(PROTOCOL_HEADER);
    if (protocol !== undefined && protocol.trim() !== String(PROTOCOL_VERSION)) {
      throw new ApiError(
        400,
        'PROTOCOL_MISMATCH',
        `this cloud speaks ${PROTOCOL_HEADER} ${PROTOCOL_VERSION}, the hub sent ${protocol}; update the hub`,
        { expected: PROTOCOL_VERSION, got: protocol },
      );
    }
    const key = bearerToken(c.req.header('authorization'));
    if (!key) throw new ApiError(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <hub API key>');
    const found = await hubs.authenticate(key);
    if (!found.ok) {
      await deps.audit.record({
        actorType: 'hub',
        action: `${c.req.method} ${c.req.path}`,
        outcome: 'denied',
        ip: clientAddress(c),
        details: { reason: found.reason },
      });
      if (found.reason === 'revoked') {
        throw new ApiError(401, 'HUB_REVOKED', 'this hub was deregistered; pair it again to reconnect');
      }
      throw new ApiError(401, 'UNAUTHENTICATED', 'unknown hub API key');
    }
    c.set('hub', { id: found.hub.id, seniorId: found.hub.senior_id });
    await next();
  };
}

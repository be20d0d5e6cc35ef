import { createHmac } from 'node:crypto';
import type { IceServer } from '@hearth/shared';

export type { IceServer };

/**
 * How long TURN credentials last: coturn checks them on every allocation refresh, so they must
 * outlive the session, yet a leaked pair must die soon. Five to ten minutes, by the session's length.
 */
export function turnTtlSeconds(sessionSeconds: number): number {
  return Math.min(600, Math.max(300, sessionSeconds + 60));
}

/**
 * ICE servers for one peer: STUN as configured, and TURN with coturn's time-limited REST credentials
 * (`use-auth-secret`): username `<unix expiry>:<user>`, credential base64(HMAC-SHA1(secret, username)).
 * Without TURN settings only STUN is offered (fine on one LAN, not through every NAT).
 */
export function iceServers(
  settings: { turnUrls: string[]; turnSecret: string | undefined; stunUrls: string[] },
  user: string,
  ttlSeconds: number,
  now: Date,
): IceServer[] {
  const servers: IceServer[] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: settings.stunUrls });
  if (settings.turnUrls.length > 0 && settings.turnSecret) {
    const username = `${Math.floor(now.getTime() / 1000) + ttlSeconds}:${user}`;
    const credential = createHmac('sha1', settings.turnSecret).update(username).digest('base64');
    servers.push({ urls: settings.turnUrls, username, credential });
  }
  return servers;
}

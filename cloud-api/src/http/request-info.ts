import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** The peer address of the socket, or undefined (app.request() in tests has no socket). */
export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * The caller's address. Behind `trustedProxies` reverse proxies, each appends the address it saw to
 * `X-Forwarded-For`, so the client is the entry that many places from the end; anything further left
 * was written by the client and is not trusted. With no trusted proxy, the socket's peer.
 */
export function resolveClientAddress(c: Context, trustedProxies: number): string | undefined {
  const peer = socketAddress(c);
  if (trustedProxies <= 0) return peer;
  const hops = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  return hops[hops.length - trustedProxies] ?? hops[0] ?? peer;
}

/** The caller's address as resolved once per request by the app (see `resolveClientAddress`). */
export function clientAddress(c: Context): string | undefined {
  return (c.get('clientIp') as string | undefined) ?? socketAddress(c);
}

import type { IceServer } from '@hearth/shared';
import type { IceServer as NdcIceServer, RelayType } from 'node-datachannel';

/**
 * WebRTC's `{urls, username, credential}` → libdatachannel's servers. TURN goes in object form:
 * coturn's time-limited usernames contain a colon, which the `turn:user:pass@host` string form
 * cannot carry. A URL libdatachannel cannot use is left out and named in `skipped`.
 */
export function toLibdatachannel(servers: IceServer[]): {
  servers: (string | NdcIceServer)[];
  skipped: string[];
} {
  const out: (string | NdcIceServer)[] = [];
  const skipped: string[] = [];
  for (const server of servers) {
    for (const url of typeof server.urls === 'string' ? [server.urls] : server.urls) {
      const m = /^(stun|stuns|turn|turns):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(
        url,
      );
      if (!m) {
        skipped.push(url);
        continue;
      }
      const [, scheme, host, port, transport] = m as unknown as [string, string, string, string?, string?];
      const hostname = host.replace(/^\[|\]$/g, '');
      if (scheme === 'stun' || scheme === 'stuns') {
        out.push(`stun:${host}:${port ?? 3478}`);
        continue;
      }
      if (!server.username || !server.credential) {
        skipped.push(url);
        continue;
      }
      const relayType: RelayType =
        scheme === 'turns' ? 'TurnTls' : transport === 'tcp' ? 'TurnTcp' : 'TurnUdp';
      out.push({
        hostname,
        port: Number(port ?? (scheme === 'turns' ? 5349 : 3478)),
        username: server.username,
        password: server.credential,
        relayType,
      });
    }
  }
  return { servers: out, skipped };
}

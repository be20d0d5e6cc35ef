import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaimResponse } from '@hearth/shared';
import { FaultyCloudLink, MemoryCloud } from '../../src/uplink/fake-cloud-link.js';
import { HttpCloudLink } from '../../src/uplink/http-cloud-link.js';
import type { UplinkCredentials } from '../../src/uplink/uplink.js';
import { type RealCloud, startRealCloud } from './real-cloud.js';

/** An event as the cloud holds it, in the fields both clouds report. */
export interface HeldEvent {
  seq: number;
  ts: string;
  sensorId: string;
  kind: string;
  value: unknown;
}

/**
 * A cloud the uplink suite runs against, reached through a link that fails on command
 * (`cut()`, `fail(n)`, `hang()`…). The same tests run on the in-memory cloud and on the real
 * `hearth-cloud` process, so the fake cannot drift from what the cloud really does.
 */
export interface UplinkTarget {
  readonly name: string;
  readonly link: FaultyCloudLink;
  /** A hub paired for a new senior, or for `seniorOf`'s senior (paired again). */
  newHub(seniorOf?: UplinkCredentials): Promise<UplinkCredentials>;
  /** What the cloud holds from this hub identity, by seq. */
  held(hub: UplinkCredentials): Promise<Map<number, HeldEvent>>;
  stop(): Promise<void>;
}

export function memoryTarget(): UplinkTarget {
  const cloud = new MemoryCloud();
  const link = new FaultyCloudLink(cloud);
  return {
    name: 'in-memory cloud',
    link,
    async newHub(seniorOf) {
      const hub = cloud.addHub(seniorOf?.seniorId);
      return { cloudUrl: 'http://cloud.test', hubId: hub.hubId, apiKey: hub.apiKey, seniorId: hub.seniorId };
    },
    async held(who) {
      const hub = cloud.hubs.get(who.apiKey);
      const held = new Map<number, HeldEvent>();
      for (const [seq, e] of hub?.events ?? [])
        held.set(seq, { seq, ts: e.ts, sensorId: e.sensorId, kind: e.kind, value: e.value });
      return held;
    },
    async stop() {},
  };
}

/** The real `hearth-cloud serve` (embedded PostgreSQL), started once per suite; about ten seconds. */
export async function realTarget(): Promise<UplinkTarget> {
  // Behind a (pretend) proxy, so each claim comes from its own address: the suite pairs more hubs a
  // minute than the cloud lets one address try.
  const cloud: RealCloud = await startRealCloud(mkdtempSync(join(tmpdir(), 'hearth-cloud-')), {
    HEARTH_TRUSTED_PROXIES: '1',
  });
  let claims = 0;
  const link = new FaultyCloudLink(new HttpCloudLink());
  return {
    name: 'real hearth-cloud',
    link,
    async newHub(seniorOf) {
      const seniorId =
        seniorOf?.seniorId ??
        (
          await cloud.api<{ id: string }>('POST', '/api/v1/seniors', {
            name: 'Ada Lovelace',
            timezone: 'Europe/London',
          })
        ).id;
      const { code } = await cloud.api<{ code: string }>('POST', `/api/v1/seniors/${seniorId}/pairing-codes`);
      claims++;
      const response = await fetch(`${cloud.url}/api/v1/hubs/claim`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `10.0.${claims >> 8}.${claims & 255}`,
        },
        body: JSON.stringify({ code, deviceId: `test-hub-${claims}` }),
      });
      const claimed = ClaimResponse.parse(await response.json());
      return { cloudUrl: cloud.url, hubId: claimed.hubId, apiKey: claimed.apiKey, seniorId };
    },
    async held(who) {
      const { events } = await cloud.api<{ events: (HeldEvent & { hubId: string })[] }>(
        'GET',
        `/api/v1/seniors/${who.seniorId}/events?from=1970-01-01T00:00:00Z&limit=10000`,
      );
      const held = new Map<number, HeldEvent>();
      for (const e of events) {
        if (e.hubId !== who.hubId) continue;
        held.set(e.seq, { seq: e.seq, ts: e.ts, sensorId: e.sensorId, kind: e.kind, value: e.value });
      }
      return held;
    },
    stop: () => cloud.stop(),
  };
}

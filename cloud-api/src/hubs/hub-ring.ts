import { HubRollout } from '@hearth/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';
import type { Sql } from '../db/database.js';
import { HubStore } from './hub-store.js';

/** A hub as the `hubs` topic shows it, in its snapshot and its updates. */
export const HubView = z.object({
  id: z.uuid(),
  seniorId: z.uuid(),
  status: z.string(),
  lastSeenAt: z.string().nullable(),
  /** A control channel to some cloud instance is open now (the hub is online, whatever it uploads). */
  online: z.boolean(),
  /** The agent version of the hub's last hello; null before one. */
  agentVersion: z.string().nullable(),
});
export type HubView = z.infer<typeof HubView>;

/** What happened to a hub; `online` is present when its control channel connected or closed. */
export const HubRing = z.object({
  change: z.enum(['claimed', 'revoked', 'key-rotated', 'seen', 'connected', 'disconnected', 'release']),
  /** The hub as stored after the change. */
  hub: HubView,
  /** Whether the hub holds a control channel to this cloud now (as `hub.online`, kept for older dashboards). */
  online: z.boolean().optional(),
  /** For `release`: where the hub is with the release it just reported on. */
  rollout: HubRollout.optional(),
});
export type HubRing = z.infer<typeof HubRing>;

/** Bus channel rung after a hub is claimed, revoked, rekeyed, seen, connects or disconnects. */
export const HUBS = defineChannel('hubs', HubRing);

/**
 * Reads the hub as committed and rings the bus about it. Never throws: a failed read or ring is
 * logged; the row is the truth, and a dashboard that missed it sees the change in its next snapshot.
 */
export async function ringHub(
  deps: { sql: Sql; bus: Bus },
  hubId: string,
  change: HubRing['change'],
  log: Logger,
): Promise<void> {
  try {
    // Presence as every instance sees it, not as the ringing one does: a hub that moved to another
    // instance before this one noticed the old socket close is still online.
    const hub = await new HubStore(deps.sql, () => new Date()).view(hubId);
    if (!hub) return;
    await ring(deps.bus, HUBS, { change, hub, online: hub.online });
  } catch (err) {
    log.warn({ err, hubId, change }, 'hub change stored but the bus ring failed');
  }
}

/**
 * Tells, at most once per `intervalMs` for each hub, that a hub was seen (an upload moves
 * `last_seen_at` every few seconds; dashboards need minutes, not every batch).
 */
export class HubSeenRinger {
  private readonly lastRung = new Map<string, number>();

  constructor(
    private readonly deps: { sql: Sql; bus: Bus },
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Rings `seen` for the hub unless it was rung within the interval. Never throws. */
  async seen(hubId: string): Promise<void> {
    const t = this.now();
    const last = this.lastRung.get(hubId);
    if (last !== undefined && t - last < this.intervalMs) return;
    // Forget hubs not heard of for a while, so the map stays the size of the live fleet.
    if (this.lastRung.size > 10_000) {
      for (const [id, at] of this.lastRung) if (t - at >= this.intervalMs) this.lastRung.delete(id);
    }
    this.lastRung.set(hubId, t);
    await ringHub(this.deps, hubId, 'seen', this.log);
  }
}

import type { Logger } from 'pino';
import type { Sql } from '../db/database.js';
import type { Senior } from '../seniors/schemas.js';
import type { Bus } from './bus.js';

/** Bus channel rung after a senior is created, changed or given a carer: a `SeniorRing`. */
export const SENIORS_CHANNEL = 'seniors';

/** Bus channel rung after a hub is claimed, revoked, rekeyed, seen, connects or disconnects: a `HubRing`. */
export const HUBS_CHANNEL = 'hubs';

/** What happened to a senior. `assigned` names the staff member who now looks after them. */
export interface SeniorRing {
  /** The kind of change. */
  change: 'created' | 'updated' | 'assigned';
  /** The senior as stored after the change. */
  senior: Senior;
  /** For `assigned`: who was assigned. */
  staffId?: string;
}

/** A hub as the `hubs` topic shows it, in its snapshot and its updates. */
export interface HubView {
  id: string;
  seniorId: string;
  status: string;
  lastSeenAt: string | null;
}

/** What happened to a hub; `online` is present when its control channel connected or closed. */
export interface HubRing {
  /** The kind of change. */
  change: 'claimed' | 'revoked' | 'key-rotated' | 'seen' | 'connected' | 'disconnected';
  /** The hub as stored after the change. */
  hub: HubView;
  /** For `connected`/`disconnected`: whether the hub holds a control channel to this cloud now. */
  online?: boolean;
}

/** The `hubs` topic's view of the hub with this id; undefined when there is none. */
export async function hubView(sql: Sql, hubId: string): Promise<HubView | undefined> {
  const [h] = await sql<{ id: string; senior_id: string; status: string; last_seen_at: Date | null }[]>`
    select id, senior_id, status, last_seen_at from hubs where id = ${hubId}`;
  return (
    h && {
      id: h.id,
      seniorId: h.senior_id,
      status: h.status,
      lastSeenAt: h.last_seen_at?.toISOString() ?? null,
    }
  );
}

/**
 * Rings the bus about a senior, after the change committed. A failed ring is logged and swallowed:
 * the row is the truth, and a dashboard that missed it sees the change in its next snapshot.
 */
export async function ringSenior(bus: Bus, ring: SeniorRing, log: Logger): Promise<void> {
  try {
    await bus.publish(SENIORS_CHANNEL, ring);
  } catch (err) {
    log.warn({ err, seniorId: ring.senior.id }, 'senior change stored but the bus ring failed');
  }
}

/**
 * Reads the hub as committed and rings the bus about it. Never throws: a failed read or ring is logged,
 * for the same reason as `ringSenior`.
 */
export async function ringHub(
  deps: { sql: Sql; bus: Bus },
  hubId: string,
  change: HubRing['change'],
  log: Logger,
  online?: boolean,
): Promise<void> {
  try {
    const hub = await hubView(deps.sql, hubId);
    if (!hub) return;
    await deps.bus.publish(HUBS_CHANNEL, {
      change,
      hub,
      ...(online !== undefined && { online }),
    } satisfies HubRing);
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

import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/database.js';

/**
 * A link row not refreshed for this long counts as gone (its instance died without closing it). The
 * holder refreshes at its ping interval (30 s), so a live link is never this old.
 */
export const PRESENCE_STALE_SECONDS = 120;

/**
 * Which hubs hold a control channel to which cloud instance, in the database, so that every instance
 * (and a dashboard opened on any of them) knows whether a hub is online, not only the one it is
 * connected to. Each method throws only when the database does.
 */
export class HubPresence {
  constructor(
    private readonly sql: Sql,
    /** This instance, for the rows it owns. */
    readonly instanceId: string = randomUUID(),
  ) {}

  /** The hub's control channel opened on this instance. */
  async connected(hubId: string): Promise<void> {
    await this.sql`insert into hub_control_links (hub_id, instance_id) values (${hubId}, ${this.instanceId})
      on conflict (hub_id, instance_id) do update set heartbeat_at = now()`;
  }

  /** The hub's last control channel on this instance closed. */
  async disconnected(hubId: string): Promise<void> {
    await this
      .sql`delete from hub_control_links where hub_id = ${hubId} and instance_id = ${this.instanceId}`;
  }

  /**
   * Keeps this instance's links to `hubIds` (the sockets it holds now) fresh, and mends what a failed
   * write left: links of sockets already closed are removed, missing ones restored.
   */
  async heartbeat(hubIds: string[]): Promise<void> {
    await this.sql`delete from hub_control_links
      where instance_id = ${this.instanceId} and not (hub_id = any(${hubIds}::uuid[]))`;
    if (hubIds.length === 0) return;
    await this.sql`insert into hub_control_links (hub_id, instance_id)
      select id, ${this.instanceId}::uuid from hubs where id = any(${hubIds}::uuid[])
      on conflict (hub_id, instance_id) do update set heartbeat_at = now()`;
  }

  /** This instance is stopping: its hubs are online again once they reconnect elsewhere. */
  async releaseAll(): Promise<void> {
    await this.sql`delete from hub_control_links where instance_id = ${this.instanceId}`;
  }

  /** Whether an active hub of the senior holds a control channel on any instance now. */
  async seniorReachable(seniorId: string): Promise<boolean> {
    const [row] = await this.sql<{ reachable: boolean }[]>`
      select exists (
        select 1 from hub_control_links l join hubs h on h.id = l.hub_id
        where h.senior_id = ${seniorId} and h.status = 'active'
          and l.heartbeat_at > now() - make_interval(secs => ${PRESENCE_STALE_SECONDS})) as reachable`;
    return row?.reachable === true;
  }
}

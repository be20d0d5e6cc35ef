import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/database.js';

/** How often an instance marks its open sockets as still open, ms. */
export const PRESENCE_REFRESH_MS = 20_000;
/** A row not refreshed for this long belongs to an instance that died without closing its sockets. */
const PRESENCE_STALE_SECONDS = 60;

/**
 * Which instance holds which hub's control socket, in the database so every instance can tell at once
 * whether a senior's hub can be reached. Each instance refreshes its own rows while it runs; a row
 * not refreshed within a minute (an instance that died without closing) counts as gone.
 */
export class HubControlPresence {
  /** This instance's id on the rows it writes. */
  readonly instanceId = randomUUID();

  constructor(private readonly sql: Sql) {}

  /** Records that a control socket of `hubId` is open here. @throws when the database refuses. */
  async opened(hubId: string): Promise<void> {
    await this.sql`
      insert into hub_control_sockets (hub_id, instance_id) values (${hubId}, ${this.instanceId})
      on conflict (hub_id, instance_id) do update set seen_at = now()`;
  }

  /** Records that the last control socket of `hubId` on this instance closed. @throws when the database refuses. */
  async closed(hubId: string): Promise<void> {
    await this
      .sql`delete from hub_control_sockets where hub_id = ${hubId} and instance_id = ${this.instanceId}`;
  }

  /** Marks every socket open here as still open. @throws when the database refuses. */
  async refresh(): Promise<void> {
    await this.sql`update hub_control_sockets set seen_at = now() where instance_id = ${this.instanceId}`;
  }

  /** Forgets every socket of this instance (it is stopping). @throws when the database refuses. */
  async clear(): Promise<void> {
    await this.sql`delete from hub_control_sockets where instance_id = ${this.instanceId}`;
  }

  /** Whether an active hub of the senior holds a control socket on any instance now. */
  async seniorReachable(seniorId: string): Promise<boolean> {
    const [row] = await this.sql<{ reachable: boolean }[]>`
      select exists (
        select 1 from hub_control_sockets s join hubs h on h.id = s.hub_id
        where h.senior_id = ${seniorId} and h.status = 'active'
          and s.seen_at > now() - make_interval(secs => ${PRESENCE_STALE_SECONDS})) as reachable`;
    return row?.reachable === true;
  }
}

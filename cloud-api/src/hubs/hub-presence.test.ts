import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../test/targets.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { HubPresence, PRESENCE_STALE_SECONDS } from './hub-presence.js';
import { HubStore } from './hub-store.js';

describe.each(databaseTargets())('hub presence across instances on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  let hubs: HubStore;
  let hubA: string;
  let hubB: string;

  beforeAll(async () => {
    const created = await target.createDatabase();
    drop = created.drop;
    db = await openDatabase({ databaseUrl: created.url, dataDir: 'memory' });
    await migrate(db.sql);
    hubs = new HubStore(db.sql, () => new Date());
    const [senior] = await db.sql<{ id: string }[]>`insert into seniors (name) values ('Ada') returning id`;
    const ids: string[] = [];
    for (const device of ['pi-a', 'pi-b']) {
      const [row] = await db.sql<
        { id: string }[]
      >`insert into hubs (senior_id, device_id, key_prefix, key_hash)
        values (${senior!.id}, ${device}, ${randomUUID()}, 'x') returning id`;
      ids.push(row!.id);
    }
    [hubA, hubB] = ids as [string, string];
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const online = async (id: string) => (await hubs.view(id))?.online;

  it('a hub is online while any instance holds its socket, and offline once the last one lets go', async () => {
    const one = new HubPresence(db.sql);
    const two = new HubPresence(db.sql);
    expect(await online(hubA)).toBe(false);
    await one.connected(hubA);
    await two.connected(hubA);
    expect(await online(hubA)).toBe(true);
    // Moved to instance two before instance one noticed the old socket close: still online.
    await one.disconnected(hubA);
    expect(await online(hubA)).toBe(true);
    await two.releaseAll();
    expect(await online(hubA)).toBe(false);
  });

  it("a heartbeat keeps this instance's links fresh and mends those a failed write left behind", async () => {
    const one = new HubPresence(db.sql);
    await one.connected(hubA);
    await one.connected(hubB);
    // hubB's socket closed but the delete never happened; hubA's row went missing.
    await db.sql`delete from hub_control_links where hub_id = ${hubA}`;
    await one.heartbeat([hubA]);
    expect([await online(hubA), await online(hubB)]).toEqual([true, false]);
    await one.releaseAll();
  });

  it('links of an instance that died stop counting once stale', async () => {
    const dead = new HubPresence(db.sql);
    await dead.connected(hubB);
    expect(await online(hubB)).toBe(true);
    await db.sql`update hub_control_links set heartbeat_at = now() - make_interval(secs => ${PRESENCE_STALE_SECONDS + 1})
      where instance_id = ${dead.instanceId}`;
    expect(await online(hubB)).toBe(false);
    expect((await hubs.listForSeniors('all')).map((h) => h.online)).toEqual([false, false]);
  });

  it('a revoked hub is never online', async () => {
    const one = new HubPresence(db.sql);
    await one.connected(hubA);
    await hubs.revoke(hubA);
    expect(await online(hubA)).toBe(false);
  });
});

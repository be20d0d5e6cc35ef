import type { WsEnvelope } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { TestCloud } from './harness.js';
import { bundle, eventually, releaseKey, upload } from './release-fixtures.js';
import { instancePairTargets } from './targets.js';

const pairs = instancePairTargets();

describe.each(pairs)('a rollout across two instances on $name', ({ db, bus: busTarget }) => {
  let a: TestCloud;
  let b: TestCloud;
  let cleanup: () => Promise<void>;
  const key = releaseKey();

  beforeAll(async () => {
    const created = await db.createDatabase();
    const shared = created.url
      ? undefined
      : await openDatabase({ databaseUrl: undefined, dataDir: 'memory' });
    const common = {
      ...(created.url && { databaseUrl: created.url }),
      ...(shared && { database: shared }),
      env: { HEARTH_REDIS_PREFIX: busTarget.prefix, HEARTH_RELEASE_PUBLIC_KEY_FILE: key.publicKeyFile },
    };
    a = await TestCloud.start({ ...common, bus: await busTarget.open() });
    // Both instances serve bundles from one releases directory, as a shared volume gives them.
    b = await TestCloud.start({
      ...common,
      env: { ...common.env, HEARTH_RELEASES_DIR: a.config.releases.dir },
      bus: await busTarget.open(),
    });
    cleanup = async () => {
      await a.stop();
      await b.stop();
      await shared?.close();
      await created.drop();
    };
  });
  afterAll(() => cleanup());

  it('a rollout started on A reaches a hub connected to B, which downloads from B and reports to the admins on A', async () => {
    const admin = await a.staff('admin');
    const senior = await a.senior(admin.token);
    const hub = await a.pairHub(admin.token, senior);
    const release = bundle('5.1.0', key.privateKey);
    expect((await upload(a, admin.token, release)).status).toBe(201);

    const control = await b.hubWs(hub.apiKey);
    await control.next((m) => m.type === 'ack' && m.topic === 'hello');
    control.send({ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion: '5.0.0' } });
    await eventually(
      async () =>
        (await a.sql`select agent_version from hubs where id = ${hub.hubId}`)[0]?.agent_version === '5.0.0',
      'the hello on B',
    );
    const adminWs = await a.ws(admin.token);
    await adminWs.subscribe('hubs');

    const rollout = await a.api('POST', 'releases/5.1.0/rollout', {
      token: admin.token,
      body: { hubIds: [hub.hubId] },
    });
    expect(rollout.body).toMatchObject({ targeted: 1, added: 1 });
    const offer = await control.next((m: WsEnvelope) => m.type === 'update' && m.topic === 'release');
    const { url, sha256 } = offer.data as { url: string; sha256: string };
    expect(sha256).toBe(release.sha256);
    // The instance that started the rollout names itself (HEARTH_PUBLIC_URL in production, where a
    // load balancer stands in front); either instance serves the bundle from the shared directory.
    expect(url).toBe(`${a.url}/api/v1/hub/releases/5.1.0/bundle`);
    for (const base of [a.url, b.url]) {
      const download = await fetch(url.replace(a.url, base), {
        headers: { authorization: `Bearer ${hub.apiKey}` },
      });
      expect(Buffer.from(await download.arrayBuffer()).equals(release.bytes)).toBe(true);
    }
    await eventually(
      async () =>
        (await a.sql`select state from release_hub_states where hub_id = ${hub.hubId}`)[0]?.state ===
        'downloading',
      'downloading recorded',
    );
    control.send({
      type: 'update',
      topic: 'release',
      id: 1,
      data: { version: '5.1.0', status: 'installed', running: '5.1.0' },
    });
    await control.next((m) => m.type === 'ack' && m.topic === 'release');
    const seen = await adminWs.next(
      (m) => m.type === 'update' && (m.data as { change: string }).change === 'release',
    );
    expect(seen.data).toMatchObject({
      hub: { id: hub.hubId },
      rollout: { version: '5.1.0', state: 'installed' },
    });
    const [row] = await a.sql`select state from release_hub_states where hub_id = ${hub.hubId}`;
    expect(row?.state).toBe('installed');
    control.close();
    adminWs.close();
  });
});

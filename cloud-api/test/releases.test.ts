import { createHash, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { WsEnvelope } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selects } from '../src/releases/rollout.js';
import { cloudOn, type TestCloud } from './harness.js';
import {
  bundle,
  eventually,
  manifestHeaders,
  pairFleet,
  releaseKey,
  type TestBundle,
  upload,
} from './release-fixtures.js';
import { databaseTargets } from './targets.js';

const MAX = 64 * 1024;

describe.each(databaseTargets())('over-the-air releases on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let senior: string;
  const key = releaseKey();
  const other = releaseKey();
  const hubs: { hubId: string; apiKey: string }[] = [];
  const v2 = bundle('2.0.0', key.privateKey);

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      env: { HEARTH_RELEASE_PUBLIC_KEY_FILE: key.publicKeyFile, HEARTH_MAX_RELEASE_BYTES: String(MAX) },
    }));
    admin = await cloud.staff('admin');
    senior = await cloud.senior(admin.token);
    // A fleet with hubs on both sides of the shares the suite uses (hub ids are random).
    const inside = () => hubs.filter((h) => selects({ percent: 30, hubIds: [] }, h.hubId)).length;
    const outside = () => hubs.filter((h) => !selects({ percent: 60, hubIds: [] }, h.hubId)).length;
    while (hubs.length < 10 || inside() < 3 || outside() < 5)
      hubs.push(...(await pairFleet(cloud, senior, admin.id, 1)));
  });
  afterAll(() => teardown());

  const stateOf = async (version: string, hubId: string) => {
    const [row] = await cloud.sql<{ state: string; detail: string | null }[]>`
      select state, detail from release_hub_states where version = ${version} and hub_id = ${hubId}`;
    return row;
  };
  const bundleOf = (b: TestBundle, apiKey: string, headers: Record<string, string> = {}) =>
    fetch(`${cloud.url}/api/v1/hub/releases/${b.version}/bundle`, {
      headers: { authorization: `Bearer ${apiKey}`, ...headers },
    });
  const hello = async (apiKey: string, agentVersion: string) => {
    const ws = await cloud.hubWs(apiKey);
    await ws.next((m) => m.type === 'ack' && m.topic === 'hello');
    ws.send({ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion } });
    return ws;
  };
  const isOffer = (version: string) => (m: WsEnvelope) =>
    m.type === 'update' && m.topic === 'release' && (m.data as { version: string }).version === version;

  it('stores an uploaded release whose sha256 and signature check out, and lists it', async () => {
    const res = await upload(cloud, admin.token, v2);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      version: '2.0.0',
      arch: 'arm64',
      sha256: v2.sha256,
      size: 20_000,
      signatureChecked: true,
    });
    expect(readdirSync(cloud.config.releases.dir)).toEqual(['hearth-hub-2.0.0-linux-arm64.tar.gz']);
    const list = await cloud.api('GET', 'releases', { token: admin.token });
    expect(list.body.releases).toEqual([
      expect.objectContaining({ version: '2.0.0', sha256: v2.sha256, size: 20_000, rollout: null }),
    ]);
    const [audit] =
      await cloud.sql`select actor_id from audit_log where action = 'release.upload' and target_id = '2.0.0'`;
    expect(audit?.actor_id).toBe(admin.id);
    expect((await upload(cloud, admin.token, v2)).status).toBe(409);
  });

  it('refuses a bundle whose bytes do not match its sha256, keeping nothing', async () => {
    const b = bundle('2.0.1', key.privateKey);
    const cut = b.bytes.subarray(0, 15_000);
    const res = await upload(cloud, admin.token, b, cut);
    expect(res.status).toBe(400);
    expect(res.body.error.details.reason).toBe('sha256_mismatch');
    expect(res.body.error.message).toContain(createHash('sha256').update(cut).digest('hex'));
    expect(res.body.error.message).toContain(b.sha256);
    expect(readdirSync(cloud.config.releases.dir)).toEqual(['hearth-hub-2.0.0-linux-arm64.tar.gz']);
    expect((await cloud.api('GET', 'releases', { token: admin.token })).body.releases).toHaveLength(1);
    const [refusal] = await cloud.sql`
      select outcome, details from audit_log where action = 'release.upload' and target_id = '2.0.1'`;
    expect(refusal).toMatchObject({ outcome: 'failed', details: { reason: 'sha256_mismatch' } });
  });

  it('refuses a release signed by another key, or whose manifest was altered after signing', async () => {
    const forged = bundle('2.0.2', other.privateKey);
    const res = await upload(cloud, admin.token, forged);
    expect(res.status).toBe(400);
    expect(res.body.error.details.reason).toBe('bad_signature');
    expect(res.body.error.message).toMatch(
      /signature of release 2\.0\.2 .* does not match the release public key/,
    );
    // A good signature of 2.0.0 presented as 2.0.3: the version is part of what was signed.
    const relabelled = { ...v2, version: '2.0.3' };
    expect((await upload(cloud, admin.token, relabelled)).body.error.details.reason).toBe('bad_signature');
    expect(readdirSync(cloud.config.releases.dir)).toHaveLength(1);
  });

  it('refuses a bundle over the size bound while it streams, and a manifest that is missing or malformed', async () => {
    const big = bundle('3.0.0', key.privateKey, MAX + 10_000);
    // Streamed without a length, so the bound applies to the bytes as they arrive.
    const res = await fetch(`${cloud.url}/api/v1/releases`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': 'application/gzip',
        ...manifestHeaders(big),
      },
      body: new Blob([big.bytes]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(readdirSync(cloud.config.releases.dir)).toHaveLength(1);
    const noSig = await cloud.api('POST', 'releases', {
      token: admin.token,
      body: v2.bytes,
      headers: { 'content-type': 'application/gzip', ...manifestHeaders(v2, { signature: 'abc' }) },
    });
    expect(noSig.status).toBe(400);
    expect(noSig.body.error.message).toContain('signature: expected a base64 Ed25519 signature');
    const json = await cloud.api('POST', 'releases', { token: admin.token, body: { version: '1' } });
    expect(json.status).toBe(415);
  });

  it('rolls out to a share chosen by hub id, widens keeping the earlier hubs, and never narrows', async () => {
    const reached = (percent: number) =>
      hubs.filter((h) => selects({ percent, hubIds: [] }, h.hubId)).map((h) => h.hubId);
    const targeted = async () =>
      (
        await cloud.sql<{ hub_id: string }[]>`select hub_id from release_hub_states where version = '2.0.0'`
      ).map((r) => r.hub_id);
    const first = await cloud.api('POST', 'releases/2.0.0/rollout', {
      token: admin.token,
      body: { percent: 30 },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ rollout: { percent: 30, hubIds: [] }, targeted: reached(30).length });
    expect((await targeted()).sort()).toEqual(reached(30).sort());
    const wider = await cloud.api('POST', 'releases/2.0.0/rollout', {
      token: admin.token,
      body: { percent: 60 },
    });
    expect(wider.body.targeted).toBe(reached(60).length);
    expect(await targeted()).toEqual(expect.arrayContaining(reached(30)));
    expect((await targeted()).sort()).toEqual(reached(60).sort());

    const narrower = await cloud.api('POST', 'releases/2.0.0/rollout', {
      token: admin.token,
      body: { percent: 10 },
    });
    expect(narrower.status).toBe(409);
    expect(narrower.body.error.message).toContain('at 60%');
    const unknown = await cloud.api('POST', 'releases/2.0.0/rollout', {
      token: admin.token,
      body: { hubIds: [randomUUID()] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^not an active hub: /);
    const bad = await cloud.api('POST', 'releases/2.0.0/rollout', {
      token: admin.token,
      body: { percent: 101 },
    });
    expect(bad.status).toBe(400);
    expect(
      (await cloud.api('POST', 'releases/9.9.9/rollout', { token: admin.token, body: { percent: 5 } }))
        .status,
    ).toBe(404);
    const audits =
      await cloud.sql`select outcome, details from audit_log where action = 'release.rollout' order by id`;
    expect(audits.map((a) => [a.outcome, a.details.percent ?? a.details.asked.percent ?? null])).toEqual([
      ['ok', 30],
      ['ok', 60],
      ['failed', 10],
      ['failed', null],
    ]);
  });

  it('offers the release to a connected hub it reaches, and to one connecting later, unless it already runs it', async () => {
    const outside = hubs.filter((h) => !selects({ percent: 60, hubIds: [] }, h.hubId));
    expect(outside.length).toBeGreaterThanOrEqual(3);
    const [live, later, current] = outside as [(typeof hubs)[0], (typeof hubs)[0], (typeof hubs)[0]];
    const ws = await hello(live.apiKey, '1.0.0');
    // Said hello before it was reached: nothing yet; once named, the offer arrives.
    await eventually(
      async () =>
        (await cloud.sql`select agent_version from hubs where id = ${live.hubId}`)[0]?.agent_version ===
        '1.0.0',
      'hello recorded',
    );
    await cloud.api('POST', 'releases/2.0.0/rollout', {
      token: admin.token,
      body: { hubIds: [live.hubId, later.hubId, current.hubId] },
    });
    const offer = await ws.next(isOffer('2.0.0'));
    expect(offer.data).toEqual({
      version: '2.0.0',
      url: `${cloud.url}/api/v1/hub/releases/2.0.0/bundle`,
      sha256: v2.sha256,
      signature: v2.signature,
      size: 20_000,
      arch: 'arm64',
    });
    await eventually(async () => (await stateOf('2.0.0', live.hubId))?.state === 'offered', 'offered state');

    const late = await hello(later.apiKey, '1.0.0');
    await late.next(isOffer('2.0.0'));
    await eventually(
      async () => (await stateOf('2.0.0', later.hubId))?.state === 'offered',
      'catch-up offered',
    );

    const already = await hello(current.apiKey, '2.0.0');
    await eventually(
      async () => (await stateOf('2.0.0', current.hubId))?.state === 'installed',
      'running it counts as installed',
    );
    expect(already.messages.filter(isOffer('2.0.0'))).toEqual([]);
    for (const w of [ws, late, already]) w.close();
  });

  it('serves the bundle to a hub it reaches, resuming a cut download with Range', async () => {
    const hub = hubs.find((h) => selects({ percent: 30, hubIds: [] }, h.hubId))!;
    const full = await bundleOf(v2, hub.apiKey);
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(`"${v2.sha256}"`);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    const head = Buffer.from(await full.arrayBuffer()).subarray(0, 7_777);
    expect(await stateOf('2.0.0', hub.hubId)).toMatchObject({ state: 'downloading' });

    const rest = await bundleOf(v2, hub.apiKey, { range: 'bytes=7777-', 'if-range': `"${v2.sha256}"` });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe('bytes 7777-19999/20000');
    expect(rest.headers.get('content-length')).toBe('12223');
    const joined = Buffer.concat([head, Buffer.from(await rest.arrayBuffer())]);
    expect(createHash('sha256').update(joined).digest('hex')).toBe(v2.sha256);

    const stale = await bundleOf(v2, hub.apiKey, { range: 'bytes=7777-', 'if-range': '"another-build"' });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const past = await bundleOf(v2, hub.apiKey, { range: 'bytes=20000-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */20000');
  });

  it('serves no bundle to a hub the rollout does not reach, nor of an unknown release, nor without a hub key', async () => {
    const rollout = { percent: 60, hubIds: [] };
    const named = new Set(
      (await cloud.sql`select hub_id from release_hub_states where version = '2.0.0'`).map((r) => r.hub_id),
    );
    const outsider = hubs.find((h) => !selects(rollout, h.hubId) && !named.has(h.hubId))!;
    const refused = await bundleOf(v2, outsider.apiKey);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'release 2.0.0 is not rolled out to this hub',
    );
    expect((await bundleOf({ ...v2, version: '7.7.7' }, hubs[0]!.apiKey)).status).toBe(404);
    expect((await bundleOf(v2, admin.token)).status).toBe(401);
  });

  it('records what the hub reports: its row, its agent version, the audit log, and the admins see it live', async () => {
    const [installer, roller] = hubs.filter((h) => selects({ percent: 60, hubIds: [] }, h.hubId)) as [
      (typeof hubs)[0],
      (typeof hubs)[0],
    ];
    const adminWs = await cloud.ws(admin.token);
    await adminWs.subscribe('hubs');
    const ws = await hello(installer.apiKey, '1.0.0');
    ws.send({
      type: 'update',
      topic: 'release',
      id: 'r1',
      data: { version: '2.0.0', status: 'installed', running: '2.0.0' },
    });
    expect(await ws.next((m) => m.type === 'ack' && m.topic === 'release')).toMatchObject({ id: 'r1' });
    expect(await stateOf('2.0.0', installer.hubId)).toEqual({ state: 'installed', detail: null });
    const live = await adminWs.next(
      (m) => m.type === 'update' && (m.data as { change: string }).change === 'release',
    );
    expect(live.data).toMatchObject({
      hub: { id: installer.hubId },
      rollout: { version: '2.0.0', state: 'installed' },
    });

    // A rollback is reported when the hub is back, whenever that is.
    const back = await hello(roller.apiKey, '1.0.0');
    back.send({
      type: 'update',
      topic: 'release',
      id: 'r2',
      data: {
        version: '2.0.0',
        status: 'rolled_back',
        running: '1.0.0',
        detail: 'health gate: detection not ticking within 120 s',
      },
    });
    await back.next((m) => m.type === 'ack' && m.id === 'r2');
    expect(await stateOf('2.0.0', roller.hubId)).toEqual({
      state: 'rolled_back',
      detail: 'health gate: detection not ticking within 120 s',
    });
    const versions =
      await cloud.sql`select id, agent_version from hubs where id in ${cloud.sql([installer.hubId, roller.hubId])}`;
    expect(Object.fromEntries(versions.map((v) => [v.id, v.agent_version]))).toEqual({
      [installer.hubId]: '2.0.0',
      [roller.hubId]: '1.0.0',
    });
    const audit =
      await cloud.sql`select action, actor_id, outcome from audit_log where action like 'release.%ed' or action = 'release.rolled_back' order by id`;
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'release.installed', actor_id: installer.hubId, outcome: 'ok' }),
        expect.objectContaining({ action: 'release.rolled_back', actor_id: roller.hubId, outcome: 'failed' }),
      ]),
    );
    const figures = (await cloud.api('GET', 'releases', { token: admin.token })).body.releases[0];
    expect(figures.hubs).toMatchObject({ installed: 2, rolled_back: 1 });
    const perHub = (await cloud.api('GET', 'releases/hubs', { token: admin.token })).body.hubs;
    expect(perHub).toEqual(
      expect.arrayContaining([expect.objectContaining({ hubId: roller.hubId, state: 'rolled_back' })]),
    );
    // A settled hub is not offered the release again when it reconnects.
    back.close();
    const again = await hello(roller.apiKey, '1.0.0');
    again.send({ type: 'ping', topic: '', id: 'p' });
    await again.next((m) => m.type === 'pong');
    await eventually(
      async () => (await stateOf('2.0.0', roller.hubId))?.state === 'rolled_back',
      'still rolled back',
    );
    for (const w of [ws, again, adminWs]) w.close();
  });

  it('lets neither technicians nor carers upload, list or roll out releases', async () => {
    for (const role of ['technician', 'staff'] as const) {
      const who = await cloud.staff(role);
      await cloud.assign(admin.token, senior, who.id);
      const answers = [
        await upload(cloud, who.token, bundle('4.0.0', key.privateKey)),
        await cloud.api('GET', 'releases', { token: who.token }),
        await cloud.api('GET', 'releases/hubs', { token: who.token }),
        await cloud.api('POST', 'releases/2.0.0/rollout', { token: who.token, body: { percent: 100 } }),
      ];
      expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403]);
    }
    expect((await cloud.api('GET', 'releases', { token: admin.token })).body.releases).toHaveLength(1);
  });
});

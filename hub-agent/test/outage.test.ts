import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/clock.js';
import { Collector } from '../src/collect/collector.js';
import { CredentialsBox } from '../src/config/credentials-source.js';
import { createDetector } from '../src/detect/index.js';
import { SimulatedHome } from '../src/sensors/simulated-home.js';
import { MemoryHubState } from '../src/store/hub-state.js';
import { openSqliteOutbox } from '../src/store/sqlite-outbox.js';
import { HttpCloudLink } from '../src/uplink/http-cloud-link.js';
import { Uplink } from '../src/uplink/uplink.js';
import { eventually } from './support/eventually.js';
import { TestCloud } from './support/test-cloud.js';

const log = pino({ level: 'silent' });
let cloud: TestCloud | null = null;
afterEach(async () => {
  await cloud?.stop();
});

describe('a cloud outage of a whole simulated day', () => {
  it('keeps everything on the hub and drains it completely, alerts first, when the cloud returns', async () => {
    cloud = await new TestCloud().start();
    const port = Number(new URL(cloud.url).port);
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 6, 0, 0));
    const store = openSqliteOutbox({
      path: join(mkdtempSync(join(tmpdir(), 'hearth-outage-')), 'outbox.db'),
      bootId: 'b',
    });
    const uplink = new Uplink({
      store,
      settings: new MemoryHubState().settings,
      link: new HttpCloudLink(),
      clock,
      log,
      credentials: new CredentialsBox({ cloudUrl: cloud.url, hubId: cloud.hubId, apiKey: cloud.apiKey }),
      // Small batches so a day's backlog spans several of them, as weeks of a real home would.
      batchSize: 100,
      backoff: { initialMs: 1000, maxMs: 5 * 60_000 },
      idlePollMs: 30_000,
    });
    const collector = new Collector({
      store,
      clock,
      log,
      detector: createDetector({ clock }),
      onCommitted: () => uplink.kick(),
    });
    const home = new SimulatedHome({ clock, pendantEveryMs: 2 * 3_600_000 });
    await uplink.start();
    await collector.start();
    await home.start((r) => collector.record(r));

    // An hour online, then the cloud goes away for a day.
    for (let i = 0; i < 6; i++) {
      clock.advance(10 * 60_000);
      await eventually(() => uplink.status().state !== 'uploading');
    }
    await eventually(() => store.ackedThroughSeq() === store.lastSeq(), { clock, stepMs: 1000 });
    const beforeOutage = store.lastSeq();
    await cloud.stop();
    for (let i = 0; i < 144; i++) {
      clock.advance(10 * 60_000);
      await collector.settled();
      await eventually(() => uplink.status().state !== 'uploading');
    }
    const backlog = store.stats();
    expect(backlog.backlog).toBeGreaterThan(300);
    expect(backlog.pendingAlerts).toBeGreaterThanOrEqual(10);
    expect(uplink.status()).toMatchObject({ connected: false, state: 'backing_off' });
    const requestsBefore = cloud.batches.length;

    await home.stop();
    await cloud.start(port);
    await eventually(() => store.stats().backlog === 0, {
      clock,
      stepMs: 60_000,
      rounds: 2000,
      what: 'the backlog to drain',
    });

    const afterOutage = cloud.batches.slice(requestsBefore);
    const alertSeqs = store.pendingAlerts(10_000, beforeOutage).map((e) => e.seq);
    expect(afterOutage[0]).toEqual(alertSeqs);
    expect([...cloud.events.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: store.lastSeq() }, (_, i) => i + 1),
    );
    expect(cloud.conflicts).toEqual([]);
    // Full batches: the backlog drains in a handful of requests, not one per event.
    expect(afterOutage.length).toBeLessThanOrEqual(Math.ceil(backlog.backlog / 100) + 2);
    await collector.stop();
    await uplink.stop();
    store.close();
  });
});

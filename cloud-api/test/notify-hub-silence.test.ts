import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/clock.js';
import { cloudOn, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const METRICS_TOKEN = 'notify-test-metrics-token';

describe.each(databaseTargets())('a hub not heard from on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;
  // The hub watch looks every 30 s of this clock; the test moves it.
  const clock = new FakeClock();
  const look = async () => {
    clock.advance(30_000);
    await cloud.cloud.notify.hubWatch.settled();
  };
  const silentAlerts = () =>
    cloud.sql<
      { id: string; status: string; message: string; resolution_note: string | null; source: string }[]
    >`
      select id, status, message, resolution_note, source from alerts where hub_id = ${hub.hubId} and kind = 'hub_silent'
      order by created_at`;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      clock,
      env: { HEARTH_HUB_SILENCE_MINUTES: '10', HEARTH_METRICS_TOKEN: METRICS_TOKEN },
    }));
    const admin = await cloud.staff('admin');
    carer = await cloud.staff('staff', 'Carla Carer');
    const senior = await cloud.senior(admin.token, 'Grace Senior');
    await cloud.assign(admin.token, senior, carer.id);
    hub = await cloud.pairHub(admin.token, senior);
    expect((await cloud.upload(hub.apiKey, [reading(hub.hubId, ++seq)])).status).toBe(200);
  });
  afterAll(async () => {
    await teardown();
  });

  it('is an alert for the carers after the configured time, resolved by itself when the hub returns', async () => {
    await look();
    expect(await silentAlerts()).toEqual([]);

    // The hub was last heard from 25 minutes ago (its home lost power).
    const lastHeard = new Date(clock.now().getTime() - 25 * 60_000);
    await cloud.sql`update hubs set last_seen_at = ${lastHeard} where id = ${hub.hubId}`;
    const ws = await cloud.ws(carer.token);
    await ws.subscribe('alerts');
    await look();
    const since = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
    }).format(lastHeard);
    const [raised] = await silentAlerts();
    expect(raised).toMatchObject({
      status: 'open',
      source: 'device',
      message: `hub not heard from since ${since}`,
    });
    const pushed = await ws.next(
      (m) => m.type === 'update' && (m.data as { kind: string }).kind === 'hub_silent',
    );
    expect(pushed.data).toMatchObject({ id: raised!.id, status: 'open' });
    const metrics = await cloud.api('GET', '/metrics', { token: METRICS_TOKEN });
    expect(metrics.body).toContain('hearth_hubs_silent{silent_for="<1h"} 1');

    // Still silent: one alert, not one per look.
    await look();
    expect(await silentAlerts()).toHaveLength(1);

    expect((await cloud.upload(hub.apiKey, [reading(hub.hubId, ++seq)])).status).toBe(200);
    await look();
    const [resolved] = await silentAlerts();
    expect(resolved!.status).toBe('resolved');
    expect(resolved!.resolution_note).toMatch(/^hub heard from again after 2\d min of silence$/);
    const [outage] = await cloud.sql<{ seconds: number; ended_at: Date | null }[]>`
      select seconds, ended_at from hub_outages where hub_id = ${hub.hubId}`;
    expect(outage!.ended_at).not.toBeNull();
    // From the last word before the silence to the upload that ended it (the test's clock runs a little ahead).
    expect(outage!.seconds).toBeGreaterThan(23 * 60);
    expect(outage!.seconds).toBeLessThanOrEqual(26 * 60);
    const after = await ws.next(
      (m) => m.type === 'update' && (m.data as { status: string }).status === 'resolved',
    );
    expect(after.data).toMatchObject({ id: raised!.id });
    expect((await cloud.api('GET', '/metrics', { token: METRICS_TOKEN })).body).toContain(
      'hearth_hubs_silent{silent_for="<1h"} 0',
    );
    ws.close();
  });

  it('a hub with its control socket open is heard from even when it uploads nothing', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.type === 'ack' && m.topic === 'hello');
    await cloud.sql`update hubs set last_seen_at = ${new Date(clock.now().getTime() - 60 * 60_000)} where id = ${hub.hubId}`;
    await look();
    expect((await silentAlerts()).filter((a) => a.status === 'open')).toEqual([]);
    control.close();
  });
});

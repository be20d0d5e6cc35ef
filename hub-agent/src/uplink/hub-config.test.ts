import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { FakeClock } from '../clock.js';
import { CredentialsBox } from '../config/credentials-source.js';
import { createDetector } from '../detect/index.js';
import { MemoryCloud } from './fake-cloud-link.js';
import { type HomeConfig, HubConfigSync } from './hub-config.js';
import type { UplinkCredentials } from './uplink.js';

const log = pino({ level: 'silent' });
let sync: HubConfigSync | null = null;
afterEach(async () => {
  await sync?.stop();
});

function identity(cloud: MemoryCloud, seniorId?: string): UplinkCredentials {
  const hub = cloud.addHub(seniorId);
  return { cloudUrl: 'http://cloud.test', hubId: hub.hubId, apiKey: hub.apiKey };
}

describe('HubConfigSync', () => {
  it("applies the home's time zone and the senior's rule settings, and follows changes", async () => {
    const cloud = new MemoryCloud();
    cloud.home = { seniorName: 'Ada', timezone: 'Europe/Paris', rules: { inactivity: { enabled: false } } };
    const clock = new FakeClock();
    const detector = createDetector({ clock });
    const applied: HomeConfig[] = [];
    sync = new HubConfigSync({
      clock,
      log,
      link: cloud,
      credentials: new CredentialsBox(identity(cloud)),
      apply: (home) => {
        detector.setConfig({ ...home.rules, timezone: home.timezone });
        applied.push(home);
      },
      everyMs: 60_000,
    });
    await sync.start();
    await eventually(() => applied.length === 1);
    expect(detector.config.timezone).toBe('Europe/Paris');
    expect(detector.config.inactivity.enabled).toBe(false);

    cloud.home = { seniorName: 'Ada', timezone: 'Europe/Paris', rules: { night: { start: '25:99' } } };
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 100));
    // Refused settings leave the old ones in force.
    expect(applied).toHaveLength(1);
    expect(detector.config.timezone).toBe('Europe/Paris');

    cloud.home = { seniorName: 'Ada', timezone: 'Asia/Tokyo' };
    clock.advance(60_000);
    await eventually(() => applied.length === 2);
    expect(detector.config.timezone).toBe('Asia/Tokyo');
    expect(detector.config.inactivity.enabled).toBe(true);
  });

  it('asks again at once when the hub is paired, without waiting for the next round', async () => {
    const cloud = new MemoryCloud();
    const clock = new FakeClock();
    const applied: HomeConfig[] = [];
    const credentials = new CredentialsBox<UplinkCredentials>(null);
    sync = new HubConfigSync({
      clock,
      log,
      link: cloud,
      credentials,
      apply: (home) => void applied.push(home),
      everyMs: 600_000,
    });
    await sync.start();
    const paired = identity(cloud);
    credentials.set(paired);
    await eventually(() => applied.length === 1, {
      what: 'the configuration, with the clock standing still',
    });
    expect(applied[0]).toMatchObject({ hubId: paired.hubId, timezone: 'Europe/London' });
  });
});

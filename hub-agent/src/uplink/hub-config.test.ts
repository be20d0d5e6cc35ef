import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { TestCloud } from '../../test/support/test-cloud.js';
import { FakeClock } from '../clock.js';
import { createDetector } from '../detect/index.js';
import { type HomeConfig, HubConfigSync } from './hub-config.js';

const log = pino({ level: 'silent' });
let cloud: TestCloud;
let sync: HubConfigSync | null = null;
afterEach(async () => {
  await sync?.stop();
  await cloud?.stop();
});

describe('HubConfigSync', () => {
  it("applies the home's time zone and the senior's rule settings, and follows changes", async () => {
    cloud = await new TestCloud().start();
    cloud.home = { seniorName: 'Ada', timezone: 'Europe/Paris', rules: { inactivity: { enabled: false } } };
    const clock = new FakeClock();
    const detector = createDetector({ clock });
    const applied: HomeConfig[] = [];
    sync = new HubConfigSync({
      clock,
      log,
      credentials: () => ({ cloudUrl: cloud.url, hubId: cloud.hubId, apiKey: cloud.apiKey }),
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
});

// `npm run demo` runs its cloud from the production bundle, built afresh at each start, with node
// options that keep it small (its memory is measured by `npm run bench -- demo-memory`): it must
// serve the dashboard and the demo logins on the embedded database, and leave no bundle behind
// once stopped.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_CLOUD_NODE_OPTIONS, startDemoCloud } from '../scripts/demo-cloud.js';
import { ApiClient } from '../scripts/local-stack.js';

describe('the demo cloud', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-demo-cloud-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('serves the dashboard and the demo logins from a fresh bundle, and removes the bundle when it stops', async () => {
    const cloud = await startDemoCloud({
      dataDir: join(work, 'cloud'),
      env: { DATABASE_URL: undefined, REDIS_URL: undefined },
    });
    const bundle = cloud.process.spawnargs.find((arg) => arg.endsWith('hearth-cloud.mjs'));
    try {
      expect(bundle).toBeDefined();
      expect(cloud.process.spawnargs).toEqual(expect.arrayContaining(DEMO_CLOUD_NODE_OPTIONS));
      expect(await (await fetch(`${cloud.url}/`)).text()).toContain('Sign in');
      const staff = await new ApiClient(cloud.url).login('staff@demo.hearth', 'demo-staff');
      expect(staff.accessToken).toEqual(expect.any(String));
      expect(cloud.output.join('\n')).toContain('"embedded":true');
    } finally {
      expect(await cloud.stop()).toBe(0);
    }
    expect(existsSync(bundle!)).toBe(false);
  }, 60_000);
});

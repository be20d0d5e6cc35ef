// The staff dashboard in a real browser: a care worker signs in, a pendant press in the home
// appears on the page by itself, and acknowledging it from the page updates it for everyone.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type CloudProgram,
  hearth,
  type Program,
  startAgent,
  startCloud,
} from '../../scripts/local-stack.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI === 'true')
  throw new Error(`CI=true but Chromium is missing at ${chromiumPath}`);
if (!haveChromium) {
  console.warn(
    `\n*** Chromium not found at ${chromiumPath} (apt-get install chromium): the dashboard browser test is skipped. ***\n`,
  );
}

describe.runIf(haveChromium)('staff dashboard in a browser', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-dashboard-'));
  const hubDir = join(work, 'hub');
  let cloud: CloudProgram;
  let agent: Program;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    cloud = await startCloud({
      dataDir: join(work, 'cloud'),
      env: { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' },
    });
    const admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const { staff } = await admin.request<{ staff: { id: string; email: string }[] }>('GET', '/api/v1/staff');
    const carer = staff.find((s) => s.email === 'staff@demo.hearth')!;
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Margaret Ellis',
      address: '14 Rowan Close',
      timezone: 'Europe/London',
    });
    await admin.request('POST', `/api/v1/seniors/${senior.id}/staff`, { staffId: carer.id });
    const { code } = await admin.request<{ code: string }>(
      'POST',
      `/api/v1/seniors/${senior.id}/pairing-codes`,
    );
    await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', hubDir]);
    writeFileSync(join(work, 'agent.json'), JSON.stringify({ simPendantEverySeconds: 0 }));
    agent = startAgent({ dataDir: hubDir, simSpeed: 30, args: ['--config', join(work, 'agent.json')] });

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('refuses a wrong password with a message on the page', async () => {
    await page.goto(cloud.url);
    await page.fill('input[name=email]', 'staff@demo.hearth');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toMatch(/\S/);
    expect(await page.isVisible('#board')).toBe(false);
  });

  it('shows a pendant press live and lets the care worker acknowledge it', async () => {
    await page.goto(cloud.url);
    await page.fill('input[name=email]', 'staff@demo.hearth');
    await page.fill('input[name=password]', 'demo-staff');
    await page.click('button[type=submit]');
    await page.waitForSelector('#board', { state: 'visible' });
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('live');

    await hearth(['simulate', 'press', 'pendant', '--data-dir', hubDir]);
    const alert = page.locator('#alerts .alert', { hasText: 'pendant_pressed' });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.getAttribute('class')).toContain('open');
    // At 3 a.m. the carer needs to know who, not an id.
    expect(await alert.textContent()).toContain('Margaret Ellis');

    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(async () => alert.getAttribute('class'), { timeout: 10_000 }).toContain('acknowledged');
    await page.screenshot({ path: join(tmpdir(), 'hearth-dashboard.png') });
  });
});

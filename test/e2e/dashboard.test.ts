// The staff dashboard in Debian Chromium against the real cloud and a real (simulated) hub agent:
// a carer signs in, stays signed in across a reload, hears and sees a pendant press arrive, takes
// it, resolves it with an outcome, and the page tells the truth when the hub or the server dies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type CloudProgram,
  hearth,
  type Program,
  startAgent,
  startCloud,
} from '../../scripts/local-stack.js';
import {
  haveChromium,
  keepScreenshot,
  launchChromium,
  newDashboardContext,
  ringing,
  seriousA11yViolations,
  signIn,
} from '../support/dashboard-browser.js';

const HUB_AGENT_VERSION = (
  JSON.parse(readFileSync(new URL('../../hub-agent/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe.runIf(haveChromium)('staff dashboard: a carer through a shift', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-dashboard-'));
  const hubDir = join(work, 'hub');
  const otherHubDir = join(work, 'hub-2');
  const cloudDir = join(work, 'cloud');
  const env = { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' };
  let cloud: CloudProgram;
  let agent: Program;
  let otherAgent: Program;
  let browser: Browser;
  let carer: BrowserContext;
  let colleague: BrowserContext;
  let page: Page;
  let other: Page;
  let seniorId: string;
  // The carer's own webhook (a chat tool, say): refuses the first post, then takes every one.
  let webhook: Server;
  const webhookPosts: number[] = [];

  const press = (dir = hubDir) => hearth(['simulate', 'press', 'pendant', '--data-dir', dir]);
  const card = (p: Page, status?: string, who = 'Margaret Ellis') =>
    p.locator(`#alerts .alert${status ? `.${status}` : ''}`, { hasText: who }).first();

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = webhookPosts.length === 0 ? 503 : 200;
        webhookPosts.push(status);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    cloud = await startCloud({ dataDir: cloudDir, env });
    const admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const { staff } = await admin.request<{ staff: { id: string; email: string }[] }>('GET', '/api/v1/staff');
    const demoCarer = staff.find((s) => s.email === 'staff@demo.hearth')!;
    const carerApi = new ApiClient(cloud.url);
    await carerApi.login('staff@demo.hearth', 'demo-staff');
    await carerApi.request('PATCH', '/api/v1/me/notification-settings', {
      email: false,
      webhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/carer`,
      webhookKind: 'slack',
    });
    const second = await admin.request<{ id: string }>('POST', '/api/v1/staff', {
      email: 'second@demo.hearth',
      name: 'Second Carer',
      role: 'staff',
      password: 'second-carer-pw',
    });
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Margaret Ellis',
      address: '14 Rowan Close',
      timezone: 'Europe/London',
    });
    seniorId = senior.id;
    // A second home, whose pendant is pressed while the cloud restarts.
    const neighbour = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Arthur Bennett',
      timezone: 'Europe/London',
    });
    for (const [home, dir] of [
      [senior.id, hubDir],
      [neighbour.id, otherHubDir],
    ] as const) {
      await admin.request('POST', `/api/v1/seniors/${home}/staff`, { staffId: demoCarer.id, position: 0 });
      await admin.request('POST', `/api/v1/seniors/${home}/staff`, { staffId: second.id, position: 1 });
      const { code } = await admin.request<{ code: string }>('POST', `/api/v1/seniors/${home}/pairing-codes`);
      await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', dir]);
    }
    writeFileSync(
      join(work, 'agent.json'),
      JSON.stringify({
        simPendantEverySeconds: 0,
        // While the cloud is down the hub retries every 2 s at most, so the test need not wait minutes.
        uplink: { backoffMaxMs: 2000 },
      }),
    );
    agent = startAgent({ dataDir: hubDir, simSpeed: 30, args: ['--config', join(work, 'agent.json')] });
    otherAgent = startAgent({
      dataDir: otherHubDir,
      simSpeed: 30,
      args: ['--config', join(work, 'agent.json')],
    });

    browser = await launchChromium();
    carer = await newDashboardContext(browser);
    colleague = await newDashboardContext(browser);
    page = await carer.newPage();
    other = await colleague.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await otherAgent?.stop();
    await cloud?.stop();
    webhook?.close();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('refuses a wrong password with a message on the page', async () => {
    await page.goto(cloud.url);
    await page.fill('input[name=email]', 'staff@demo.hearth');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toMatch(/wrong/);
    await keepScreenshot(page, '01-login-error');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('signs in, and a reload keeps the carer signed in without the page holding the refresh token', async () => {
    await signIn(page, cloud.url, 'staff@demo.hearth', 'demo-staff');
    await expect.poll(() => page.textContent('#link-status'), { timeout: 15_000 }).toContain('Live');
    const cookies = await carer.cookies(`${cloud.url}/api/v1/auth/refresh`);
    const session = cookies.find((c) => c.name === 'hearth_refresh');
    expect(session).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/api/v1/auth/refresh',
    });
    expect(await page.evaluate('document.cookie')).not.toContain('hearth_refresh');

    await page.reload();
    await page.waitForSelector('#board');
    expect(await page.textContent('header .who')).toBe('Demo Staff');
    await expect.poll(() => page.locator('#board .tile', { hasText: 'Margaret Ellis' }).count()).toBe(1);
    await expect.poll(() => page.locator('#board .tile').count()).toBe(2);
    await keepScreenshot(page, '02-board-after-reload');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('rings a carer on shift when a pendant is pressed: the alert appears live with sound and a notification', async () => {
    await page.getByRole('button', { name: 'Start shift' }).click();
    await page.waitForSelector('.shift.on');
    const before = await ringing(page);
    expect(before.permissionRequests).toBe(1);
    await signIn(other, cloud.url, 'second@demo.hearth', 'second-carer-pw');
    await other.goto(`${cloud.url}/#/alerts`);

    await press();
    await page.goto(`${cloud.url}/#/alerts`);
    const alert = card(page, 'open');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toContain('Margaret Ellis');
    expect(await alert.textContent()).toMatch(/All carers in \d+:\d\d/);
    await expect.poll(async () => (await ringing(page)).plays).toBeGreaterThan(before.plays);
    const { notifications } = await ringing(page);
    expect(notifications.at(-1)).toMatchObject({
      title: 'Critical: Margaret Ellis',
      requireInteraction: true,
    });
    await keepScreenshot(page, '03-inbox-open-alert');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('shows on the alert who was rung, on which channel and how far it got, and it moves on live', async () => {
    const alert = card(page, 'open');
    await alert.getByRole('button', { name: 'Deliveries' }).click();
    const hook = alert.locator('table.deliveries tr[data-channel=webhook]');
    await hook.waitFor({ timeout: 10_000 });
    expect(await hook.textContent()).toContain('Demo Staff');
    expect(await hook.textContent()).toContain('Level 0');
    // The receiver refused the first post: queued with the reason, and retried without a reload.
    await expect.poll(() => hook.getAttribute('data-status'), { timeout: 10_000 }).toBe('queued');
    expect(await hook.textContent()).toContain('webhook answered 503');
    await expect.poll(() => hook.getAttribute('data-status'), { timeout: 45_000 }).toBe('delivered');
    expect(webhookPosts).toEqual([503, 200]);
    // The colleague second in escalation order is not rung before the alert escalates.
    expect(await alert.locator('table.deliveries tr', { hasText: 'Second Carer' }).count()).toBe(0);
    await keepScreenshot(page, '03b-alert-deliveries');
    expect(await seriousA11yViolations(page)).toEqual([]);
  }, 90_000);

  it('acknowledging shows who has it to a colleague in another browser', async () => {
    await card(page, 'open').getByRole('button', { name: 'Acknowledge' }).click();
    await card(page, 'acknowledged').waitFor({ timeout: 10_000 });
    // The delivery panel still open says that the person rung is the one who took it.
    await expect
      .poll(() => card(page).locator('table.deliveries tr[data-channel=webhook]').textContent())
      .toContain('Acknowledged');
    expect(await card(page).textContent()).toContain('You have it');
    const theirs = card(other, 'acknowledged');
    await theirs.waitFor({ timeout: 10_000 });
    await expect.poll(() => theirs.textContent(), { timeout: 10_000 }).toContain('Demo Staff has it');
    await keepScreenshot(other, '04-colleague-sees-owner');
    // A colleague who opens the page later learns the name too (carers may not list staff).
    await other.reload();
    await expect
      .poll(() => card(other, 'acknowledged').textContent(), { timeout: 10_000 })
      .toContain('Demo Staff has it');
  });

  it('cancelling the resolve prompt resolves nothing; resolving records the outcome, the note and who', async () => {
    const alert = card(page, 'acknowledged');
    await alert.getByRole('button', { name: 'Resolve' }).click();
    const dialog = alert.locator('dialog');
    await dialog.getByRole('radio', { name: 'Helped' }).check();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await alert.getAttribute('class')).toContain('acknowledged');
    // From the keyboard: Enter opens the prompt, Escape leaves it, and nothing is resolved either.
    await alert.getByRole('button', { name: 'Resolve' }).press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await alert.getAttribute('class')).toContain('acknowledged');

    await alert.getByRole('button', { name: 'Resolve' }).click();
    await dialog.getByRole('radio', { name: 'Helped' }).check();
    await dialog.getByLabel('Note').fill('She had fallen in the hall; helped her up, no injury.');
    await keepScreenshot(page, '05-resolve-dialog');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Resolve' }).click();
    const resolved = card(page, 'resolved');
    await resolved.waitFor({ timeout: 10_000 });
    await resolved.getByRole('button', { name: 'History' }).click();
    const history = resolved.locator('.history');
    await expect.poll(() => history.textContent()).toContain('Resolved by Demo Staff · Helped');
    expect(await history.textContent()).toContain('helped her up');
    expect(await history.textContent()).toContain('Acknowledged by Demo Staff');
    await keepScreenshot(page, '06-resolved-history');
  });

  it("shows admins each rule's actionable rate from the outcomes carers chose", async () => {
    const boss = await newDashboardContext(browser);
    const p = await boss.newPage();
    await signIn(p, cloud.url, 'admin@demo.hearth', 'demo-admin');
    await p.goto(`${cloud.url}/#/admin/outcomes`);
    const row = p.locator('#outcomes tr[data-kind=pendant_pressed]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'pendant_pressed',
      '1',
      '1',
      '0',
      '0',
      '0',
      '100%',
    ]);
    await keepScreenshot(p, '06b-outcomes');
    expect(await seriousA11yViolations(p)).toEqual([]);
    await boss.close();
  });

  it('shows the senior page with activity by room, events, devices and the mount points for check and video', async () => {
    await page.goto(`${cloud.url}/#/seniors/${seniorId}`);
    await page.waitForSelector('#senior-title');
    await expect
      .poll(() => page.locator('table.events tbody tr').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('#senior-safety-check').count()).toBe(1);
    expect(await page.locator('#senior-video-player').count()).toBe(1);
    await page.getByRole('button', { name: 'Week' }).click();
    await keepScreenshot(page, '07-senior-page');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('when the server restarts: a banner at once, then resumed with the alert raised meanwhile', async () => {
    await page.goto(`${cloud.url}/#/alerts`);
    await expect.poll(() => page.textContent('#link-status'), { timeout: 15_000 }).toContain('Live');
    const port = new URL(cloud.url).port;
    const heard = (await ringing(page)).plays;
    await cloud.stop();
    await page.waitForSelector('#connection-banner.down', { timeout: 10_000 });
    expect(await page.textContent('#connection-banner')).toContain('Connection to the server lost');
    await keepScreenshot(page, '08-connection-lost');

    await press(otherHubDir);
    cloud = await startCloud({ dataDir: cloudDir, port: Number(port), env });
    const raisedMeanwhile = card(page, 'open', 'Arthur Bennett');
    await raisedMeanwhile.waitFor({ timeout: 60_000 }).catch(async (err) => {
      const api = new ApiClient(cloud.url);
      await api.login('staff@demo.hearth', 'demo-staff');
      console.log('DEBUG status', await page.textContent('#link-status'), await page.textContent('#main'));
      console.log('DEBUG alerts', JSON.stringify(await api.request('GET', '/api/v1/alerts')));
      console.log('DEBUG agent', agent.output.slice(-30).join('\n'));
      throw err;
    });
    await expect.poll(() => page.textContent('#link-status'), { timeout: 20_000 }).toContain('Live');
    expect(await page.locator('#connection-banner.down').count()).toBe(0);
    // Nobody heard it while the page was cut off: it rings once it arrives.
    await expect.poll(async () => (await ringing(page)).plays).toBeGreaterThan(heard);
    await keepScreenshot(page, '09-resumed');
  }, 120_000);

  it('shows the hub offline on the board when the hub agent dies', async () => {
    await page.goto(`${cloud.url}/#/`);
    const tile = page.locator('#board .tile', { hasText: 'Margaret Ellis' });
    await tile.waitFor();
    // Its control channel came back after the restart above: the cloud hears the moment it closes.
    const links = () => agent.output.filter((l) => l.includes('control channel connected')).length;
    await expect.poll(links, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await agent.kill();
    // The open pendant alert outranks it, so resolve that first: the board shows the most urgent.
    const open = await new ApiClient(cloud.url);
    await open.login('staff@demo.hearth', 'demo-staff');
    const { alerts } = await open.request<{ alerts: { id: string }[] }>('GET', '/api/v1/alerts?status=open');
    for (const a of alerts)
      await open.request('POST', `/api/v1/alerts/${a.id}/resolve`, { outcome: 'other' });
    await expect
      .poll(() => tile.locator('.badge').getAttribute('data-status'), { timeout: 20_000 })
      .toBe('hub-offline');
    expect(await tile.locator('.badge').textContent()).toMatch(/Hub offline since \d\d:\d\d/);
    await keepScreenshot(page, '10-hub-offline');

    // A tab opened now, long before the hub has been silent for the configured time, says so at
    // once: the first snapshot carries whether each hub's control channel is open.
    const later = await newDashboardContext(browser);
    const fresh = await later.newPage();
    await signIn(fresh, cloud.url, 'staff@demo.hearth', 'demo-staff');
    const freshTile = fresh.locator('#board .tile', { hasText: 'Margaret Ellis' });
    await freshTile.waitFor();
    expect(await freshTile.locator('.badge').getAttribute('data-status')).toBe('hub-offline');
    expect(await freshTile.locator('.badge').textContent()).toMatch(/Hub offline since \d\d:\d\d/);
    // The neighbour's hub, still running, is online in the same snapshot.
    const neighbour = fresh.locator('#board .tile', { hasText: 'Arthur Bennett' });
    expect(await neighbour.locator('.badge').getAttribute('data-status')).not.toBe('hub-offline');
    await keepScreenshot(fresh, '10b-hub-offline-new-tab');
    await later.close();
  });

  it("lists each hub's agent version from its hello, and which hubs are online", async () => {
    const boss = await newDashboardContext(browser);
    const p = await boss.newPage();
    await signIn(p, cloud.url, 'admin@demo.hearth', 'demo-admin');
    await p.goto(`${cloud.url}/#/admin/hubs`);
    const rows = p.locator('#hubs tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const row = (name: string) => p.locator('#hubs tbody tr', { hasText: name });
    expect(await row('Arthur Bennett').locator('.agent-version').textContent()).toBe(HUB_AGENT_VERSION);
    expect(await row('Margaret Ellis').locator('.agent-version').textContent()).toBe(HUB_AGENT_VERSION);
    expect(await row('Margaret Ellis').textContent()).toContain('Offline');
    expect(await row('Arthur Bennett').textContent()).toContain('Online');
    await keepScreenshot(p, '10c-hubs-agent-version');
    expect(await seriousA11yViolations(p)).toEqual([]);
    await boss.close();
  });

  it('speaks Korean to a browser that prefers it', async () => {
    const korean = await newDashboardContext(browser, { locale: 'ko-KR' });
    const p = await korean.newPage();
    await p.goto(cloud.url);
    await p.waitForSelector('#login-form');
    expect(await p.textContent('#login-form h2')).toBe('로그인');
    expect(await p.getAttribute('html', 'lang')).toBe('ko');
    await signIn(p, cloud.url, 'staff@demo.hearth', 'demo-staff');
    await p.waitForSelector('#board-title');
    expect(await p.textContent('#board-title')).toBe('현황판');
    await keepScreenshot(p, '11-korean-board');
    expect(await seriousA11yViolations(p)).toEqual([]);
    await korean.close();
  });

  it('works on a phone', async () => {
    const phone = await newDashboardContext(browser, { viewport: { width: 390, height: 844 } });
    const p = await phone.newPage();
    await signIn(p, cloud.url, 'staff@demo.hearth', 'demo-staff');
    await p.waitForSelector('#board .tile');
    const overflow = await p.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    expect(overflow).toBe(false);
    await keepScreenshot(p, '12-phone-board');
    await phone.close();
  });

  it('signing out ends the session in every tab, and a reload then asks to sign in', async () => {
    const second = await carer.newPage();
    await second.goto(cloud.url);
    await second.waitForSelector('header.top');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForSelector('#login-form');
    await second.waitForSelector('#login-form', { timeout: 10_000 });
    await page.reload();
    await page.waitForSelector('#login-form');
  });
});

// The dashboard for admins and technicians, in Debian Chromium against the real cloud: pairing
// codes, model rollback, the audit log, alert outcomes; what a technician may see; the size of the
// first load; and the API docs served from the package, not a CDN.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type CloudProgram, startCloud } from '../../scripts/local-stack.js';
import {
  haveChromium,
  keepScreenshot,
  launchChromium,
  newDashboardContext,
  seriousA11yViolations,
  signIn,
} from '../support/dashboard-browser.js';

const modelFile = (name: string) => readFileSync(resolve('hub-agent/src/model/testdata', name));
/** The first load (page, script, styles) must stay small on a carer's phone. */
const FIRST_LOAD_LIMIT = 200 * 1024;

/** The bytes as they travel to a browser that accepts gzip (fetch would undo the encoding). */
function rawGet(url: string): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((done, fail) => {
    get(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => done({ bytes, encoding: res.headers['content-encoding'] }));
      res.on('error', fail);
    }).on('error', fail);
  });
}

describe.runIf(haveChromium)('staff dashboard: admins and technicians', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-dashboard-admin-'));
  let cloud: CloudProgram;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: ApiClient;
  let seniorId: string;

  beforeAll(async () => {
    cloud = await startCloud({
      dataDir: join(work, 'cloud'),
      env: { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' },
    });
    admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    await admin.request('POST', '/api/v1/staff', {
      email: 'tech@demo.hearth',
      name: 'Tess Technician',
      role: 'technician',
      password: 'technician-pw',
    });
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Arthur Bennett',
      timezone: 'Europe/London',
    });
    seniorId = senior.id;
    for (const file of ['routine.onnx', 'routine-bad-probe.onnx']) {
      const res = await fetch(`${cloud.url}/api/v1/seniors/${seniorId}/models?activate=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/octet-stream' },
        body: modelFile(file),
      });
      expect(res.status).toBe(201);
    }
    browser = await launchChromium();
    context = await newDashboardContext(browser);
    page = await context.newPage();
    await signIn(page, cloud.url, 'admin@demo.hearth', 'demo-admin');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('keeps a browser session in an HttpOnly cookie, leaves the JSON form to API clients, and signs out everywhere', async () => {
    const post = (path: string, body: unknown, cookie?: string, method = 'POST') =>
      fetch(`${cloud.url}/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(cookie && { cookie }) },
        body: JSON.stringify(body),
      });
    const cookieOf = (res: Response) => res.headers.get('set-cookie')?.split(';')[0] ?? '';
    // Its own account: signing out everywhere ends every session of the account at once, and the
    // admin's page is signed in for the tests after this one.
    const login = () =>
      post('/auth/login', { email: 'tech@demo.hearth', password: 'technician-pw', session: 'cookie' });

    const first = await login();
    expect(first.status).toBe(200);
    expect(await first.json()).not.toHaveProperty('refreshToken');
    const setCookie = first.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^hearth_refresh=[\w-]+;/);
    for (const part of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/v1/auth/refresh'])
      expect(setCookie).toContain(part);

    const refreshed = await post('/auth/refresh', {}, cookieOf(first));
    expect(refreshed.status).toBe(200);
    const answer = (await refreshed.json()) as Record<string, unknown>;
    expect(answer.accessToken).toBeTypeOf('string');
    expect(answer).not.toHaveProperty('refreshToken');
    expect(cookieOf(refreshed)).not.toBe(cookieOf(first));

    const api = await post('/auth/login', { email: 'tech@demo.hearth', password: 'technician-pw' });
    const { refreshToken } = (await api.json()) as { refreshToken: string };
    expect(api.headers.get('set-cookie')).toBeNull();
    const byBody = await post('/auth/refresh', { refreshToken });
    expect(((await byBody.json()) as { refreshToken?: string }).refreshToken).toBeTypeOf('string');

    const nothing = await post('/auth/refresh', {});
    expect(nothing.status).toBe(401);
    expect(await nothing.text()).toContain('send {refreshToken} or the session cookie');

    // Another device, then "sign out everywhere" from this one: the other device's cookie is dead too.
    const otherDevice = cookieOf(await login());
    const out = await post('/auth/refresh', { everywhere: true }, cookieOf(refreshed), 'DELETE');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^hearth_refresh=;/);
    expect((await post('/auth/refresh', {}, otherDevice)).status).toBe(401);
    expect((await post('/auth/refresh', {}, cookieOf(refreshed))).status).toBe(401);
    // ...and so is the access token the page held in memory, at once rather than 15 minutes later.
    const me = await fetch(`${cloud.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${answer.accessToken as string}` },
    });
    expect(me.status).toBe(401);
    // The admin client of this suite logs in again for what follows.
    await admin.login('admin@demo.hearth', 'demo-admin');
  });

  it('keeps the first load under 200 KB gzip', async () => {
    const sizes: Record<string, number> = {};
    for (const path of ['/', '/app.js', '/app.css']) {
      const sent = await rawGet(`${cloud.url}${path}`);
      expect(sent.encoding, path).toBe(path === '/' ? sent.encoding : 'gzip');
      sizes[path] = sent.bytes;
    }
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify({ dashboardFirstLoadGzipBytes: total, perFile: sizes, limit: FIRST_LOAD_LIMIT }),
    );
    expect(total).toBeLessThan(FIRST_LOAD_LIMIT);
  });

  it('serves the API docs at /docs from the package, without reaching any other host', async () => {
    const docs = await context.newPage();
    const elsewhere: string[] = [];
    docs.on('request', (r) => {
      if (!r.url().startsWith(cloud.url)) elsewhere.push(r.url());
    });
    await docs.goto(`${cloud.url}/docs`);
    await docs.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
    expect(await docs.textContent('.swagger-ui .info .title')).toContain('Hearth cloud API');
    expect(elsewhere).toEqual([]);
    await keepScreenshot(docs, '20-api-docs');
    await docs.close();
  });

  it('creates a pairing code shown big with its expiry counting down', async () => {
    await page.goto(`${cloud.url}/#/admin/pairing`);
    await page.getByLabel('Choose a senior').selectOption({ label: 'Arthur Bennett' });
    await page.getByRole('button', { name: 'Create pairing code' }).click();
    const code = page.locator('#pairing-code');
    await code.waitFor();
    expect(await code.textContent()).toMatch(/^[A-Z0-9-]{6,}$/);
    const first = await page.textContent('#pairing-expiry');
    expect(first).toMatch(/Expires in 1[45]:\d\d/);
    await expect.poll(() => page.textContent('#pairing-expiry'), { timeout: 5000 }).not.toBe(first);
    await keepScreenshot(page, '21-pairing-code');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('rolls a model back to the version active before', async () => {
    await page.goto(`${cloud.url}/#/admin/models`);
    await page.getByLabel('Choose a senior').selectOption({ label: 'Arthur Bennett' });
    const active = page.locator('#models tr.active');
    await expect.poll(() => active.getAttribute('data-version')).toBe('2');
    await page.getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => active.getAttribute('data-version'), { timeout: 10_000 }).toBe('1');
    const { activeVersion } = await admin.request<{ activeVersion: number }>(
      'GET',
      `/api/v1/seniors/${seniorId}/models`,
    );
    expect(activeVersion).toBe(1);
    await keepScreenshot(page, '22-models-rolled-back');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('reads the audit log filtered by what was done', async () => {
    await page.goto(`${cloud.url}/#/admin/audit`);
    await page.getByLabel('What').fill('model.rollback');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('#audit tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Demo Admin');
    await keepScreenshot(page, '23-audit-log');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('keeps the audit log to admins and refuses a range that ends before it starts', async () => {
    const tech = new ApiClient(cloud.url);
    await tech.login('tech@demo.hearth', 'technician-pw');
    await expect(tech.request('GET', '/api/v1/audit')).rejects.toThrow(/403.*FORBIDDEN/);
    const q = 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z';
    await expect(admin.request('GET', `/api/v1/audit?${q}`)).rejects.toThrow(/400.*from must be before to/);
    const { entries } = await admin.request<{ entries: { action: string }[] }>(
      'GET',
      '/api/v1/audit?action=model.&limit=10',
    );
    expect(entries.map((e) => e.action)).toEqual(['model.rollback', 'model.upload', 'model.upload']);
  });

  it("changes a staff member's role and disables them, and their open dashboard ends at once each time", async () => {
    await admin.request('POST', '/api/v1/staff', {
      email: 'dora@demo.hearth',
      name: 'Dora Carer',
      role: 'staff',
      password: 'dora-carer-pw',
    });
    const theirs = await newDashboardContext(browser);
    const dora = await theirs.newPage();
    await signIn(dora, cloud.url, 'dora@demo.hearth', 'dora-carer-pw');
    await dora.waitForSelector('#board-title');

    await page.goto(`${cloud.url}/#/admin/staff`);
    const row = page.locator('#staff tbody tr', { hasText: 'Dora Carer' });
    await row.waitFor();
    await row.getByLabel('Role of Dora Carer').selectOption('technician');
    await expect.poll(() => page.locator('#main p[role=status]').textContent()).toBe('Saved');
    // Her page held a carer's view: the new role ends it, and her next sign-in is a technician's.
    await dora.waitForSelector('#login-form', { timeout: 15_000 });
    await signIn(dora, cloud.url, 'dora@demo.hearth', 'dora-carer-pw');
    await dora.waitForSelector('#admin-title');
    expect(await dora.locator('nav.tabs a').allTextContents()).toEqual(['Pairing', 'Hubs']);

    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Disable Dora Carer' }).click();
    await expect.poll(() => row.textContent()).toContain('Disabled');
    expect(await row.getByRole('button', { name: 'Enable Dora Carer' }).count()).toBe(1);
    await dora.waitForSelector('#login-form', { timeout: 15_000 });
    await dora.fill('input[name=email]', 'dora@demo.hearth');
    await dora.fill('input[name=password]', 'dora-carer-pw');
    await dora.click('button[type=submit]');
    await expect.poll(() => dora.textContent('#login-error')).toMatch(/.+/);
    expect(await dora.locator('header.top').count()).toBe(0);
    // Admins cannot lock themselves out from this page.
    const mine = page.locator('#staff tbody tr', { hasText: 'Demo Admin' });
    expect(await mine.getByRole('combobox').isDisabled()).toBe(true);
    expect(await mine.getByRole('button').count()).toBe(0);
    await keepScreenshot(page, '24b-staff-roles-disabled');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await theirs.close();
  });

  it("records the senior's consent to check-in video from the senior form", async () => {
    await page.goto(`${cloud.url}/#/admin/seniors`);
    await page.getByLabel('Choose a senior').selectOption({ label: 'Arthur Bennett' });
    const consent = page.getByLabel('Agreed to check-in video');
    expect(await consent.isChecked()).toBe(false);
    await consent.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#main p[role=status]').textContent()).toBe('Saved');
    const stored = await admin.request<{ videoConsent: boolean }>('GET', `/api/v1/seniors/${seniorId}`);
    expect(stored.videoConsent).toBe(true);
    const [entry] = (
      await admin.request<{ entries: { action: string; details: unknown }[] }>(
        'GET',
        '/api/v1/audit?action=video.consent&limit=1',
      )
    ).entries;
    expect(entry).toMatchObject({ action: 'video.consent', details: { consent: true } });
    // Another visit shows it as recorded; unticking withdraws it.
    await page.reload();
    await page.getByLabel('Choose a senior').selectOption({ label: 'Arthur Bennett' });
    await expect.poll(() => page.getByLabel('Agreed to check-in video').isChecked()).toBe(true);
    await page.getByLabel('Agreed to check-in video').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(
        async () =>
          (await admin.request<{ videoConsent: boolean }>('GET', `/api/v1/seniors/${seniorId}`)).videoConsent,
      )
      .toBe(false);
    await keepScreenshot(page, '24c-senior-video-consent');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('shows every admin page without serious accessibility problems', async () => {
    for (const name of ['staff', 'seniors', 'hubs', 'rules', 'outcomes']) {
      await page.goto(`${cloud.url}/#/admin/${name}`);
      await page.waitForSelector('#admin-title');
      if (name === 'rules') {
        await page.getByLabel('Choose a senior').selectOption({ label: 'Arthur Bennett' });
        await page.waitForSelector('.rules textarea');
      }
      await keepScreenshot(page, `24-admin-${name}`);
      expect(await seriousA11yViolations(page), name).toEqual([]);
    }
  });

  it('lets a technician see pairing and device health only', async () => {
    const tech = await newDashboardContext(browser);
    const p = await tech.newPage();
    await signIn(p, cloud.url, 'tech@demo.hearth', 'technician-pw');
    await p.waitForSelector('#admin-title');
    const tabs = await p.locator('nav.tabs a').allTextContents();
    expect(tabs).toEqual(['Pairing', 'Hubs']);
    await p.goto(`${cloud.url}/#/admin/audit`);
    expect(await p.textContent('#admin-title')).toBe('Pairing');
    expect(await p.locator('header nav a', { hasText: 'Alerts' }).count()).toBe(0);
    await keepScreenshot(p, '25-technician');
    await tech.close();
  });
});

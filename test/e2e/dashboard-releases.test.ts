// The Releases admin page in Debian Chromium against the real cloud: a signed release uploaded over
// the API is listed, rolled out from the page to a named hub then widened to the fleet, a narrowing
// is refused in words, and the hubs list shows each hub's place in the rollout as its hub reports.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELEASE_HEADERS, releaseStatement } from '@hearth/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, type CloudProgram, startCloud } from '../../scripts/local-stack.js';
import {
  haveChromium,
  keepScreenshot,
  launchChromium,
  newDashboardContext,
  seriousA11yViolations,
  signIn,
} from '../support/dashboard-browser.js';

/** A hub's control socket, as the agent holds it: says hello, keeps every message. */
async function hubControl(url: string, apiKey: string, agentVersion: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/hub/ws`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const messages: { type: string; topic: string; data: unknown }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (raw) => {
    messages.push(JSON.parse(raw.toString()));
    for (const w of waiters.splice(0)) w();
  });
  const next = async (match: (m: (typeof messages)[0]) => boolean) => {
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await next((m) => m.type === 'ack' && m.topic === 'hello');
  ws.send(JSON.stringify({ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion } }));
  return { ws, next, send: (m: unknown) => ws.send(JSON.stringify(m)) };
}

describe.runIf(haveChromium)('staff dashboard: releases', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-dashboard-releases-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(work, 'release.pub.pem');
  writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  let cloud: CloudProgram;
  let browser: Browser;
  let page: Page;
  let admin: ApiClient;
  const hubs: { hubId: string; apiKey: string }[] = [];

  beforeAll(async () => {
    cloud = await startCloud({
      dataDir: join(work, 'cloud'),
      env: {
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        HEARTH_DEMO_ACCOUNTS: '1',
        HEARTH_RELEASE_PUBLIC_KEY_FILE: keyFile,
      },
    });
    admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Maud Hill',
      timezone: 'Europe/London',
    });
    for (const deviceId of ['pi-hall', 'pi-kitchen']) {
      const { code } = await admin.request<{ code: string }>(
        'POST',
        `/api/v1/seniors/${senior.id}/pairing-codes`,
      );
      hubs.push(await new ApiClient(cloud.url).request('POST', '/api/v1/hubs/claim', { code, deviceId }));
    }
    const bytes = randomBytes(50_000);
    const release = {
      version: '1.1.0',
      arch: 'arm64' as const,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    const signature = sign(null, Buffer.from(releaseStatement(release)), privateKey).toString('base64');
    const uploaded = await fetch(`${cloud.url}/api/v1/releases`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.accessToken}`,
        'content-type': 'application/gzip',
        [RELEASE_HEADERS.version]: release.version,
        [RELEASE_HEADERS.arch]: release.arch,
        [RELEASE_HEADERS.sha256]: release.sha256,
        [RELEASE_HEADERS.signature]: signature,
      },
      body: bytes,
    });
    expect(uploaded.status).toBe(201);
    browser = await launchChromium();
    page = await (await newDashboardContext(browser)).newPage();
    await signIn(page, cloud.url, 'admin@demo.hearth', 'demo-admin');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('rolls a release out to a named hub, widens it to every hub, and refuses to narrow it', async () => {
    const hall = hubs[0]!;
    const hallControl = await hubControl(cloud.url, hall.apiKey, '1.0.0');
    await page.goto(`${cloud.url}/#/admin/releases`);
    const row = page.locator('#releases tr[data-version="1.1.0"]');
    await expect.poll(() => row.locator('.reach').textContent()).toBe('Not rolled out');

    await row.getByLabel('Hub ids, comma-separated').fill(hall.hubId);
    await row.getByRole('button', { name: 'Start or widen' }).click();
    await expect.poll(() => row.locator('.reach').textContent()).toBe('0% + 1 named');
    // The hub hears of it over its control channel at once.
    const offer = await hallControl.next((m) => m.type === 'update' && m.topic === 'release');
    expect(offer.data).toMatchObject({ version: '1.1.0', arch: 'arm64' });

    await row.getByLabel('Share of hubs (%)').fill('100');
    await row.getByRole('button', { name: 'Start or widen' }).click();
    await expect.poll(() => row.locator('.reach').textContent()).toBe('100% + 1 named');
    await expect.poll(() => row.locator('.states').textContent()).toBe('chosen 1, offered 1');

    await row.getByLabel('Share of hubs (%)').fill('40');
    await row.getByRole('button', { name: 'Start or widen' }).click();
    await expect
      .poll(() => page.locator('p.error[role=alert]').textContent())
      .toContain('the rollout is at 100%; it is only ever widened (asked for 40%)');
    await keepScreenshot(page, '40-releases');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The hubs list: the hall hub reports its update while the page is open; the kitchen hub has not.
    await page.goto(`${cloud.url}/#/admin/hubs`);
    const rolloutOf = (deviceId: string) =>
      page.locator('#hubs tbody tr', { hasText: deviceId }).locator('td.rollout').textContent();
    await expect.poll(() => rolloutOf('pi-kitchen')).toBe('1.1.0: chosen');
    await expect.poll(() => rolloutOf('pi-hall')).toBe('1.1.0: offered');
    hallControl.send({
      type: 'update',
      topic: 'release',
      id: 1,
      data: { version: '1.1.0', status: 'installed', running: '1.1.0' },
    });
    await expect.poll(() => rolloutOf('pi-hall'), { timeout: 10_000 }).toBe('1.1.0: installed');
    await keepScreenshot(page, '41-hubs-rollout');
    expect(await seriousA11yViolations(page)).toEqual([]);
    hallControl.ws.close();
  });
});

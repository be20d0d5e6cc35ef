// Live video end to end in a real browser: a care worker opens a session for a senior with an open
// alert, the real hub agent streams its test pattern over WebRTC, and the <video> element decodes
// frames; then the same through coturn with the browser forced to relay. A senior without an
// alert is refused in words.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type CloudProgram,
  hearth,
  type Program,
  startAgent,
  startCloud,
} from '../../scripts/local-stack.js';
import { signIn } from '../support/dashboard-browser.js';
import { CHROMIUM_ARGS, type Coturn, requireCoturn, seen, startCoturn, watch } from './video-support.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI === 'true')
  throw new Error(`CI=true but Chromium is missing at ${chromiumPath}`);
if (!haveChromium)
  console.warn(`\n*** Chromium not found at ${chromiumPath}: the live video browser test is skipped. ***\n`);
const haveCoturn = requireCoturn();

/** Polls `check` until it holds, outside a test (in beforeAll). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.runIf(haveChromium && haveCoturn)('live video in a browser', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-video-'));
  const hubDir = join(work, 'hub');
  let coturn: Coturn;
  let cloud: CloudProgram;
  let agent: Program;
  let browser: Browser;
  let context: BrowserContext;
  let carerToken: string;
  let seniorId: string;
  let quietSeniorId: string;

  beforeAll(async () => {
    coturn = await startCoturn(work, `video-e2e-${process.pid}-${Date.now()}`);
    cloud = await startCloud({
      dataDir: join(work, 'cloud'),
      env: {
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        HEARTH_DEMO_ACCOUNTS: '1',
        HEARTH_TURN_URLS: coturn.url,
        HEARTH_TURN_SECRET: coturn.secret,
      },
    });
    const admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const { staff } = await admin.request<{ staff: { id: string; email: string }[] }>('GET', '/api/v1/staff');
    const carer = staff.find((s) => s.email === 'staff@demo.hearth')!;
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', { name: 'Margaret Ellis' });
    const quiet = await admin.request<{ id: string }>('POST', '/api/v1/seniors', { name: 'Quiet Quentin' });
    seniorId = senior.id;
    quietSeniorId = quiet.id;
    for (const id of [senior.id, quiet.id])
      await admin.request('POST', `/api/v1/seniors/${id}/staff`, { staffId: carer.id });
    const { code } = await admin.request<{ code: string }>(
      'POST',
      `/api/v1/seniors/${senior.id}/pairing-codes`,
    );
    await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', hubDir]);
    writeFileSync(
      join(work, 'agent.json'),
      JSON.stringify({
        simPendantEverySeconds: 0,
        video: { source: { kind: 'test-pattern', width: 640, height: 360, fps: 30 }, bitrateKbps: 800 },
      }),
    );
    agent = startAgent({ dataDir: hubDir, args: ['--config', join(work, 'agent.json')] });

    const carerApi = new ApiClient(cloud.url);
    carerToken = (await carerApi.login('staff@demo.hearth', 'demo-staff')).accessToken;
    // The pendant is pressed: an open alert is what lets the carer look in.
    // (The agent's control socket opens a moment after it starts: try until it takes the press.)
    await eventually('the agent to take the press', () =>
      hearth(['simulate', 'press', 'pendant', '--data-dir', hubDir]).then(
        () => true,
        () => false,
      ),
    );
    await eventually('the open alert in the cloud', async () => {
      const { alerts } = await carerApi.request<{ alerts: unknown[] }>('GET', '/api/v1/alerts?status=open');
      return alerts.length > 0;
    });

    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    // The dashboard's CSP allows only its own scripts; the test injects its harness around the player.
    context = await browser.newContext({ bypassCSP: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await agent?.stop();
    await cloud?.stop();
    await coturn?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  async function framesAdvance(relay: boolean) {
    const page = await context.newPage();
    try {
      await page.goto(`${cloud.url}/health`);
      await watch(page, seniorId, carerToken, relay);
      await expect.poll(async () => (await seen(page)).frames, { timeout: 20_000 }).toBeGreaterThan(30);
      const first = await seen(page);
      // A second of video later: more pictures decoded and the clock of the stream moved on.
      await expect
        .poll(async () => (await seen(page)).frames, { timeout: 10_000 })
        .toBeGreaterThan(first.frames + 25);
      await expect
        .poll(async () => (await seen(page)).currentTime, { timeout: 10_000 })
        .toBeGreaterThan(first.currentTime + 0.8);
      expect((await seen(page)).state).toBe('playing');
      await expect.poll(async () => (await seen(page)).path, { timeout: 5000 }).not.toBeNull();
      return await seen(page);
    } finally {
      await page.evaluate('window.player?.stop()');
      await page.close();
    }
  }

  it('shows the home live: decoded frames advance in the <video> element', async () => {
    const result = await framesAdvance(false);
    expect(['host', 'srflx', 'prflx']).toContain(result.path);
  });

  it('does the same through coturn with the browser forced to relay', async () => {
    const result = await framesAdvance(true);
    expect(result.path).toBe('relay');
    expect(coturn.log()).toMatch(/user <\d+:[0-9a-f-]+>: incoming packet ALLOCATE processed, success/);
  });

  it('says in words that live video is private when the senior has no alert', async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${cloud.url}/health`);
      await watch(page, quietSeniorId, carerToken, false);
      await expect.poll(async () => (await seen(page)).state, { timeout: 10_000 }).toBe('refused');
      expect((await seen(page)).words).toMatch(/Live video is private/);
    } finally {
      await page.close();
    }
  });
  it('plays on the senior page of the dashboard after "Watch live"', async () => {
    // The dashboard as shipped, its CSP included.
    const page = await (await browser.newContext()).newPage();
    try {
      await signIn(page, cloud.url, 'staff@demo.hearth', 'demo-staff');
      await page.goto(`${cloud.url}/#/seniors/${seniorId}`);
      await page.click('#senior-video-player button');
      const status = page.locator('#senior-video-player [role=status]');
      await expect.poll(() => status.getAttribute('data-state'), { timeout: 20_000 }).toBe('playing');
      // Pictures painted, counted by requestVideoFrameCallback: a MediaStream's currentTime runs on
      // by the wall clock even while no new picture is decoded.
      await page.evaluate(`(() => {
        const video = document.querySelector('#senior-video-player video');
        window.painted = 0;
        const count = () => { window.painted++; video.requestVideoFrameCallback(count); };
        video.requestVideoFrameCallback(count);
      })()`);
      const painted = () => page.evaluate('window.painted') as Promise<number>;
      await expect.poll(painted, { timeout: 10_000 }).toBeGreaterThan(10);
      const first = await painted();
      await expect.poll(painted, { timeout: 10_000 }).toBeGreaterThan(first + 15);
      const time = () => page.evaluate("document.querySelector('#senior-video-player video').currentTime");
      const clock = (await time()) as number;
      await expect.poll(time, { timeout: 10_000 }).toBeGreaterThan(clock + 0.5);
      await page.click('#senior-video-player button');
      await expect.poll(() => status.getAttribute('data-state')).not.toBe('playing');
    } finally {
      await page.context().close();
    }
  });
});

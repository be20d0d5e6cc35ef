// Debian Chromium driven by playwright-core for the dashboard suites: contexts whose sound and
// desktop notifications are recorded instead of played, axe-core checks, and kept screenshots.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
/** Screenshots of every page the suites visit, kept for a person to look at (gitignored). */
export const ARTIFACTS = join(root, 'test/artifacts/dashboard');

if (!haveChromium && process.env.CI === 'true')
  throw new Error(`CI=true but Chromium is missing at ${chromiumPath}`);
if (!haveChromium) {
  console.warn(
    `\n*** Chromium not found at ${chromiumPath} (apt-get install chromium): the dashboard browser tests are skipped. ***\n`,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** What the page did with sound and notifications (see `recordRinging`). */
export interface Ringing {
  plays: number;
  notifications: { title: string; body: string; requireInteraction: boolean }[];
  permissionRequests: number;
}

/**
 * A context whose pages record `Audio.play()` and `new Notification()` (permission granted when
 * asked) in `window.__ringing`, so a test sees exactly what a carer would hear and see.
 */
export async function newDashboardContext(
  browser: Browser,
  options: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-GB',
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
  await context.addInitScript(() => {
    const ringing = { plays: 0, notifications: [] as unknown[], permissionRequests: 0 };
    const w = globalThis as unknown as Record<string, unknown>;
    w.__ringing = ringing;
    class RecordingAudio {
      currentTime = 0;
      constructor(readonly src?: string) {}
      play() {
        ringing.plays++;
        return Promise.resolve();
      }
      pause() {}
    }
    class RecordingNotification {
      static permission = 'default';
      static requestPermission() {
        ringing.permissionRequests++;
        RecordingNotification.permission = 'granted';
        return Promise.resolve('granted');
      }
      onclick: unknown = null;
      constructor(title: string, options: { body?: string; requireInteraction?: boolean } = {}) {
        ringing.notifications.push({
          title,
          body: options.body ?? '',
          requireInteraction: options.requireInteraction === true,
        });
      }
      close() {}
    }
    Object.defineProperty(w, 'Audio', { value: RecordingAudio, configurable: true });
    Object.defineProperty(w, 'Notification', { value: RecordingNotification, configurable: true });
  });
  return context;
}

export const ringing = (page: Page): Promise<Ringing> =>
  page.evaluate(() => (globalThis as unknown as { __ringing: Ringing }).__ringing);

export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
}

/** Keeps a screenshot of the page under test/artifacts/dashboard/. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(
  createRequire(join(root, 'cloud-api/package.json')).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** axe-core's serious and critical violations on the page as it is now, in words. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Injected through the DevTools protocol, so the page's CSP (no inline script) does not stop it.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  });
  return violations;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

// The cloud as `npm run demo` runs it: the production bundle, built afresh from the sources at each
// start, under plain node with options that keep one demo's cloud small (README, "Embedded cloud
// memory"). The demo and the demo-memory bench start it from here, so the bench measures the demo.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stop as stopEsbuild } from 'esbuild';
import { buildBundles } from './build-bundles.js';
import { type CloudOptions, type CloudProgram, startCloudWith } from './local-stack.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Node options of the demo's cloud, which serves two homes and a few dashboards. V8 lets its young
 * generation grow to 16 MiB a semi-space (about 30 MB of RSS once scavenges have touched it all),
 * and its four worker threads compile PGlite's WebAssembly side by side, each leaving its own
 * malloc arena behind (40-60 MB at ready, 30-60 MB off the peak). With one worker, PGlite's hot
 * code is optimised a little later; the demo's requests took about the same time side by side.
 */
export const DEMO_CLOUD_NODE_OPTIONS = ['--max-semi-space-size=1', '--v8-pool-size=1'];

/**
 * Environment of the demo's cloud. glibc's malloc raises its mmap threshold to the largest block
 * freed so far, so after the first login (argon2id works in 19 MiB) such blocks come from the heap
 * and stay resident (10-20 MB); a fixed threshold keeps them mapped apart and unmapped when freed.
 * Other C libraries ignore the variable.
 */
export const DEMO_CLOUD_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * Starts the cloud as `npm run demo` does: the production bundle, built afresh from the sources
 * (about a second), under plain node with {@link DEMO_CLOUD_NODE_OPTIONS}, {@link DEMO_CLOUD_ENV}
 * and the demo accounts. Loading the sources through tsx would cost some 85 MB more (its loader
 * thread and per-module transforms). The bundle's folder is removed when the cloud exits.
 */
export async function startDemoCloud(options: CloudOptions): Promise<CloudProgram> {
  const bundleDir = await buildCloudBundle();
  try {
    const cloud = await startCloudWith(
      [...DEMO_CLOUD_NODE_OPTIONS, join(bundleDir, 'hearth-cloud.mjs'), 'serve'],
      { ...options, env: { HEARTH_DEMO_ACCOUNTS: '1', ...DEMO_CLOUD_ENV, ...options.env } },
    );
    cloud.process.once('exit', () => rmSync(bundleDir, { recursive: true, force: true }));
    return cloud;
  } catch (error) {
    rmSync(bundleDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Builds `hearth-cloud.mjs`, its migrations and the dashboard into a new folder under
 * node_modules/.cache, where the packages the bundle leaves external resolve; a folder of its own,
 * so demos, benches and tests starting at once never run a half-written bundle.
 */
async function buildCloudBundle(): Promise<string> {
  const cache = join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'hearth-cloud-bundle-'));
  try {
    await buildBundles(dir, ['hearth-cloud']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    // esbuild's service processes (some 140 MB) would otherwise stay for as long as the demo runs.
    await stopEsbuild();
  }
  return dir;
}

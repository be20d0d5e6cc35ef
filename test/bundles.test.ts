// The production bundles are what hubs and servers run: build them and start each one.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundles } from '../scripts/build-bundles.js';

const run = promisify(execFile);
// Inside the repository, so the external native packages resolve from its node_modules as they
// do from /opt/hearth/node_modules on a hub.
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(join(repoRoot, '.hearth'), { recursive: true });
const work = mkdtempSync(join(repoRoot, '.hearth', 'bundles-'));
const dist = join(work, 'dist');

/** Starts a bundle and resolves with the first JSON log line `match` accepts. */
async function startUntil(
  file: string,
  args: string[],
  env: Record<string, string>,
  match: (e: Record<string, unknown>) => boolean,
) {
  const child = spawn(process.execPath, [join(dist, file), ...args], {
    env: { ...process.env, ...env, DATABASE_URL: undefined, REDIS_URL: undefined },
  });
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  child.stderr.on('data', (chunk) => output.push(String(chunk)));
  const entry = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}): ${output.join('')}`)));
    lines.on('line', (line) => {
      output.push(line);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (match(parsed)) resolve(parsed);
      } catch {
        // not a log line
      }
    });
  });
  return { child, entry };
}

describe('production bundles', () => {
  beforeAll(async () => {
    await buildBundles(dist);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('hearth-cloud serves the API and the dashboard from the bundle alone', async () => {
    const { child, entry } = await startUntil(
      'hearth-cloud.mjs',
      ['serve'],
      { PORT: '0', HEARTH_DATA_DIR: join(work, 'cloud') },
      (e) => typeof e.url === 'string',
    );
    try {
      const url = entry.url as string;
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(await page.text()).toContain('Sign in');
      const unknownHub = await fetch(`${url}/api/v1/hub/events`, {
        method: 'POST',
        headers: { authorization: 'Bearer hk_000000000000_nope', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(unknownHub.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 60_000);

  it('hearth-agent runs a simulated hub that the bundled CLI reports on, and stops cleanly', async () => {
    const hubDir = join(work, 'hub');
    const { child } = await startUntil(
      'hearth-agent.mjs',
      ['--data-dir', hubDir, '--simulate'],
      {},
      (e) => e.msg === 'hearth-agent ready',
    );
    try {
      const { stdout } = await run(process.execPath, [
        join(dist, 'hearth.mjs'),
        'status',
        '--json',
        '--data-dir',
        hubDir,
      ]);
      const status = JSON.parse(stdout) as { agent: { simulate: boolean }; sources: { running: string[] } };
      expect(status.agent.simulate).toBe(true);
      expect(status.sources.running).toContain('simulated-home');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);
});

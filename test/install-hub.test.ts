// A technician's install from the x64 bundle into a test root, as on a hub but outside systemd:
// install from the tarball alone, start the agent from the installed tree, pair it with a real
// cloud, upgrade to a second build, upgrade to a broken build and see it switched back by itself,
// then uninstall (keeping data) and purge.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packReproducibly } from '../scripts/hub-bundle/archive.js';
import { buildHubBundle } from '../scripts/hub-bundle/build.js';
import { ApiClient, type CloudProgram, startCloud } from '../scripts/local-stack.js';
import { buildTools, requireTools } from './support/bundle-tools.js';

const exec = promisify(execFile);
const missing = requireTools(
  'hub install suite',
  buildTools.filter((t) => !t.startsWith('aarch64')),
);
const work = mkdtempSync(join(tmpdir(), 'hearth-install-'));
const root = join(work, 'root');
const data = join(root, 'var/lib/hearth');
const pidFile = join(work, 'agent.pid');
const agentLog = join(work, 'agent.log');
const installer = 'scripts/install-hub.sh';
const bundles = { first: '', second: '', broken: '' };

// What systemd does on a hub, for a tree outside systemd: stop the running agent, start current/.
const restartScript = join(work, 'restart-agent.sh');
writeFileSync(
  restartScript,
  `#!/bin/sh
if [ -f '${pidFile}' ]; then
  pid=$(cat '${pidFile}'); kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
fi
'${root}/opt/hearth/current/bin/hearth-agent' --config '${root}/etc/hearth/agent.json' --data-dir '${data}' --simulate --sim-speed 60 >>'${agentLog}' 2>&1 &
echo $! > '${pidFile}'
`,
  { mode: 0o755 },
);

async function install(args: string[], env: Record<string, string> = {}) {
  return exec('bash', [installer, '--root', root, '--restart-command', restartScript, ...args], {
    env: { ...process.env, HEALTH_GATE_SECONDS: '60', ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

function hearth(args: string[]) {
  return exec(join(root, 'usr/local/bin/hearth'), [...args, '--data-dir', data]);
}

const current = () => readlinkSync(join(root, 'opt/hearth/current'));
const releaseState = () => JSON.parse(readFileSync(join(data, 'release-state.json'), 'utf8'));

describe.skipIf(missing.length > 0)('installing a hub from the bundle', () => {
  let cloud: CloudProgram;

  beforeAll(async () => {
    const out = join(work, 'bundles');
    bundles.first = (await buildHubBundle({ arch: 'x64', outDir: out, version: '1.0.0' })).file;
    bundles.second = (await buildHubBundle({ arch: 'x64', outDir: out, version: '1.1.0' })).file;
    // A release whose agent dies at start: what a bad build looks like on a hub.
    const broken = join(work, 'broken');
    execFileSync('mkdir', ['-p', broken]);
    execFileSync('tar', ['-xzf', bundles.second, '-C', broken]);
    const tree = join(broken, 'hearth-hub-1.2.0-linux-x64');
    execFileSync('mv', [join(broken, 'hearth-hub-1.1.0-linux-x64'), tree]);
    writeFileSync(join(tree, 'dist/hearth-agent.mjs'), "console.error('broken build'); process.exit(70);\n");
    const release = join(tree, 'release.json');
    writeFileSync(release, readFileSync(release, 'utf8').replace('"version": "1.1.0"', '"version": "1.2.0"'));
    bundles.broken = join(out, 'hearth-hub-1.2.0-linux-x64.tar.gz');
    packReproducibly(tree, bundles.broken, 0);
    cloud = await startCloud({
      dataDir: join(work, 'cloud'),
      // The embedded cloud whatever the run's DATABASE_URL: this suite is about the hub.
      env: { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' },
      readyTimeoutMs: 180_000,
    });
  }, 900_000);

  afterAll(async () => {
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('installs from the tarball alone, again without change, and starts unpaired saying how to pair', async () => {
    const first = await install([bundles.first]);
    expect(first).toMatchObject({ code: 0 });
    expect(current()).toBe('releases/1.0.0');
    for (const path of [
      'etc/hearth/agent.json',
      'etc/systemd/system/hearth-agent.service',
      'opt/hearth/releases/1.0.0/bin/node',
    ])
      expect(existsSync(join(root, path)), path).toBe(true);
    // The agent reads its settings from /etc/hearth; a fast detection tick keeps the gate short here,
    // and the robot broker takes a free loopback port (1883 may be another broker's on this machine).
    writeFileSync(
      join(root, 'etc/hearth/agent.json'),
      JSON.stringify({
        logLevel: 'info',
        detectTickMs: 1000,
        robot: { broker: { port: 0, host: '127.0.0.1' } },
      }),
    );
    const again = await install([bundles.first]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already the current release');
    execFileSync(restartScript);
    const status = await eventually(() => hearth(['status']));
    expect(status.stdout).toMatch(/not paired[\s\S]*pairing code[\s\S]*hearth pair --cloud URL --code CODE/);
  }, 120_000);

  it('pairs with a real cloud and uploads the simulated home', async () => {
    const admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Walter Grey',
      address: '9 Orchard Row',
      timezone: 'Europe/London',
    });
    const { code } = await admin.request<{ code: string }>(
      'POST',
      `/api/v1/seniors/${senior.id}/pairing-codes`,
    );
    await hearth(['pair', '--cloud', cloud.url, '--code', code]);
    const status = await eventually(async () => {
      const s = JSON.parse((await hearth(['status', '--json'])).stdout);
      if (!(s.outbox.ackedThroughSeq > 0)) throw new Error('nothing uploaded yet');
      return s;
    });
    expect(status.hubId).toBeTruthy();
  }, 120_000);

  it('upgrades to a second build: switches, passes the health gate, keeps data and credentials', async () => {
    const credentials = readFileSync(join(data, 'credentials.json'), 'utf8');
    const before = JSON.parse((await hearth(['status', '--json'])).stdout);
    const upgrade = await install([bundles.second]);
    expect(upgrade).toMatchObject({ code: 0 });
    expect(upgrade.stdout).toContain('1.1.0 is healthy');
    expect(current()).toBe('releases/1.1.0');
    expect(readlinkSync(join(root, 'opt/hearth/previous'))).toBe('releases/1.0.0');
    expect(readFileSync(join(data, 'credentials.json'), 'utf8')).toBe(credentials);
    const after = JSON.parse((await hearth(['status', '--json'])).stdout);
    expect(after.hubId).toBe(before.hubId);
    expect(after.outbox.lastSeq).toBeGreaterThanOrEqual(before.outbox.lastSeq);
    expect(releaseState()).toMatchObject({ result: 'upgraded', version: '1.1.0' });
  }, 180_000);

  it('switches back by itself when a broken build fails the health gate, and records why', async () => {
    const upgrade = await install([bundles.broken], { HEALTH_GATE_SECONDS: '15' });
    expect(upgrade.code).toBe(3);
    expect(upgrade.stderr).toContain('1.2.0 failed its health gate');
    expect(current()).toBe('releases/1.1.0');
    expect(releaseState()).toMatchObject({ result: 'rolled-back', version: '1.1.0', attempted: '1.2.0' });
    expect(releaseState().reason).toMatch(/agent/);
    const health = await eventually(() => hearth(['health']));
    expect(health.stdout).toMatch(/ok\s+agent/);
    expect(health.stdout).toMatch(/ok\s+broker\s+listening on 127\.0\.0\.1:\d+/);
  }, 180_000);

  it('uninstalls keeping configuration and data, and purges them on request', async () => {
    execFileSync('sh', ['-c', `kill $(cat '${pidFile}')`]);
    expect((await install(['--uninstall'])).code).toBe(0);
    expect(existsSync(join(root, 'opt/hearth'))).toBe(false);
    expect(existsSync(join(root, 'usr/local/bin/hearth'))).toBe(false);
    expect(existsSync(join(data, 'credentials.json'))).toBe(true);
    expect(existsSync(join(root, 'etc/hearth/agent.json'))).toBe(true);
    expect((await install(['--uninstall', '--purge'])).code).toBe(0);
    expect(existsSync(data)).toBe(false);
    expect(existsSync(join(root, 'etc/hearth'))).toBe(false);
  }, 60_000);
});

async function eventually<T>(probe: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

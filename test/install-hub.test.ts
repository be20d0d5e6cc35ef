// A hub's life from its bundle, as on a Pi but outside systemd: install the x64 bundle from the
// tarball alone into a test root, start the agent from the installed tree, pair it with a real
// cloud, then upgrade it over the air through the cloud's own rollout: a second build passes the
// health gate; a broken build is switched back by itself and the rollback reported to the cloud; a
// bundle with a bad signature is rejected by the hub and by the installer; and uninstall cleanly.
// The test plays systemd's part: it starts the agent, and runs the privileged one-shot
// (install-hub.sh --spool, what hearth-update.path starts) when the agent leaves a release for it.
import { execFile, execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRelease } from '../hub-agent/src/ota/release-signature.js';
import { packReproducibly } from '../scripts/hub-bundle/archive.js';
import { type BuiltBundle, buildHubBundle } from '../scripts/hub-bundle/build.js';
import { ApiClient, type CloudProgram, startCloud } from '../scripts/local-stack.js';
import { buildTools, requireTools } from './support/bundle-tools.js';

const exec = promisify(execFile);
const missing = requireTools(
  'hub install suite',
  buildTools.filter((t) => !t.startsWith('aarch64')),
  [execFileSync('sh', ['-c', 'command -v openssl || true']).length > 0 ? null : 'openssl'],
);
const work = mkdtempSync(join(tmpdir(), 'hearth-install-'));
const root = join(work, 'root');
const data = join(root, 'var/lib/hearth');
const spool = join(data, 'ota/ready');
const pidFile = join(work, 'agent.pid');
const agentLog = join(work, 'agent.log');
const installer = 'scripts/install-hub.sh';
// The release key, kept on the release machine; a stranger's key signs the forged bundle.
const releaseKey = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');

interface Signed {
  file: string;
  version: string;
  manifest: { version: string; arch: 'x64'; sha256: string; signature: string };
}
const bundles: Record<'first' | 'second' | 'broken' | 'forged', Signed> = {} as never;

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

function signed(built: BuiltBundle): Signed {
  return {
    file: built.file,
    version: built.version,
    manifest: JSON.parse(readFileSync(built.manifest!, 'utf8')),
  };
}

/** A copy of `from` renamed to `version`, its agent replaced by `agent` if given, signed with `key`. */
function repack(from: Signed, version: string, key: KeyObject, agent?: string): Signed {
  const dir = join(work, `repack-${version}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', from.file, '-C', dir]);
  const tree = join(dir, `hearth-hub-${version}-linux-x64`);
  execFileSync('mv', [join(dir, `hearth-hub-${from.version}-linux-x64`), tree]);
  if (agent) writeFileSync(join(tree, 'dist/hearth-agent.mjs'), agent);
  const release = join(tree, 'release.json');
  writeFileSync(
    release,
    readFileSync(release, 'utf8').replace(`"version": "${from.version}"`, `"version": "${version}"`),
  );
  const file = join(work, 'bundles', `hearth-hub-${version}-linux-x64.tar.gz`);
  packReproducibly(tree, file, 0);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const manifest = signRelease({ version, arch: 'x64', sha256 }, key) as Signed['manifest'];
  writeFileSync(`${file}.release.json`, JSON.stringify(manifest, null, 2));
  return { file, version, manifest };
}

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

describe.skipIf(missing.length > 0)('a hub from its bundle, updated over the air', () => {
  let cloud: CloudProgram;
  let admin: ApiClient;
  let hubId = '';

  /** Uploads a bundle as an admin does and rolls it out to this hub: the cloud offers it over the control channel. */
  async function rollOut(bundle: Signed) {
    const { manifest } = bundle;
    const upload = await fetch(new URL('/api/v1/releases', cloud.url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.accessToken}`,
        'content-type': 'application/gzip',
        'hearth-release-version': manifest.version,
        'hearth-release-arch': manifest.arch,
        'hearth-release-sha256': manifest.sha256,
        'hearth-release-signature': manifest.signature,
      },
      body: readFileSync(bundle.file),
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
    await admin.request('POST', `/api/v1/releases/${manifest.version}/rollout`, { hubIds: [hubId] });
  }

  /** The cloud's record of this hub in the rollout of `version`, once it reached `state`. */
  function rolloutState(version: string, state: string) {
    return eventually(async () => {
      const { hubs } = await admin.request<{
        hubs: { hubId: string; version: string; state: string; detail: string | null }[];
      }>('GET', '/api/v1/releases/hubs');
      const mine = hubs.find((h) => h.hubId === hubId && h.version === version);
      if (mine?.state !== state)
        throw new Error(`hub is ${mine?.state ?? 'not in'} the rollout of ${version}`);
      // The cloud also marks a hub installed when it says hello running the release; not the hub's report.
      if (mine.detail === 'running it when it connected') throw new Error('no report from the hub yet');
      return mine;
    }, 120_000);
  }

  /** Plays hearth-update.path: once the agent leaves a verified release, runs the one-shot. */
  async function oneShotWhenAsked(env: Record<string, string> = {}) {
    await eventually(async () => {
      if (!existsSync(join(spool, 'install.request'))) throw new Error('no release left for the installer');
    }, 120_000);
    return install(['--spool', spool], env);
  }

  beforeAll(async () => {
    const out = join(work, 'bundles');
    const key = releaseKey.privateKey;
    bundles.first = signed(
      await buildHubBundle({ arch: 'x64', outDir: out, version: '1.0.0', releaseKey: key }),
    );
    bundles.second = signed(
      await buildHubBundle({ arch: 'x64', outDir: out, version: '1.1.0', releaseKey: key }),
    );
    // A release whose agent dies at start: what a bad build looks like on a hub.
    bundles.broken = repack(
      bundles.second,
      '1.2.0',
      key,
      "console.error('broken build'); process.exit(70);\n",
    );
    // Signed with a key the hub does not trust.
    bundles.forged = repack(bundles.second, '1.3.0', stranger.privateKey);
    cloud = await startCloud({
      dataDir: join(work, 'cloud'),
      // The embedded cloud whatever the run's DATABASE_URL: this suite is about the hub. No release
      // public key is configured, so the forged bundle reaches the hub, which must refuse it itself.
      env: { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' },
      readyTimeoutMs: 180_000,
    });
    admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
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

  it('installs from the tarball alone, trusting its release key, again without change, and starts unpaired', async () => {
    const first = await install([bundles.first.file]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('Release 1.0.0 (x64) is signed with the release key this hub trusts');
    expect(current()).toBe('releases/1.0.0');
    for (const path of [
      'etc/hearth/agent.json',
      'etc/systemd/system/hearth-agent.service',
      'etc/systemd/system/hearth-update.path',
      'etc/systemd/system/hearth-update.service',
      'opt/hearth/releases/1.0.0/bin/node',
    ])
      expect(existsSync(join(root, path)), path).toBe(true);
    expect(readFileSync(join(root, 'etc/hearth/release-key.pem'), 'utf8')).toBe(
      releaseKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    // The agent reads its settings from /etc/hearth; a fast detection tick keeps the gate short here,
    // the robot broker takes a free loopback port, and the trusted key is the test root's.
    writeFileSync(
      join(root, 'etc/hearth/agent.json'),
      JSON.stringify({
        logLevel: 'info',
        detectTickMs: 1000,
        robot: { broker: { port: 0, host: '127.0.0.1' } },
        ota: { releaseKeyFile: join(root, 'etc/hearth/release-key.pem') },
      }),
    );
    const again = await install([bundles.first.file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already the current release');
    execFileSync(restartScript);
    const status = await eventually(() => hearth(['status']));
    expect(status.stdout).toMatch(/not paired[\s\S]*pairing code[\s\S]*hearth pair --cloud URL --code CODE/);
  }, 120_000);

  it('pairs with a real cloud and uploads the simulated home', async () => {
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
      if (!s.cloud.control?.connected) throw new Error('control channel not up yet');
      return s;
    });
    hubId = status.hubId;
    expect(hubId).toBeTruthy();
  }, 120_000);

  it('upgrades over the air to a second build: downloads, verifies, passes the health gate, reports it installed', async () => {
    const credentials = readFileSync(join(data, 'credentials.json'), 'utf8');
    const before = JSON.parse((await hearth(['status', '--json'])).stdout);
    await rollOut(bundles.second);
    const upgrade = await oneShotWhenAsked();
    expect(upgrade).toMatchObject({ code: 0 });
    expect(upgrade.stdout).toContain('1.1.0 is healthy');
    expect(current()).toBe('releases/1.1.0');
    expect(readlinkSync(join(root, 'opt/hearth/previous'))).toBe('releases/1.0.0');
    expect(readFileSync(join(data, 'credentials.json'), 'utf8')).toBe(credentials);
    expect(releaseState()).toMatchObject({ result: 'upgraded', version: '1.1.0' });

    expect((await rolloutState('1.1.0', 'installed')).detail).toBeNull();
    // The new agent reported the outcome and the cloud acknowledged it.
    const after = await eventually(async () => {
      const s = JSON.parse((await hearth(['status', '--json'])).stdout);
      if (s.release?.reportsWaiting !== 0) throw new Error('the outcome is not acknowledged yet');
      return s;
    });
    expect(after.hubId).toBe(before.hubId);
    expect(after.release).toMatchObject({ running: '1.1.0', state: 'idle' });
    expect((await hearth(['status'])).stdout).toMatch(/^Release {4}1\.1\.0$/m);
    expect(after.outbox.lastSeq).toBeGreaterThanOrEqual(before.outbox.lastSeq);
  }, 300_000);

  it('switches back by itself when a broken build fails the health gate, and the cloud hears of the rollback', async () => {
    await rollOut(bundles.broken);
    const upgrade = await oneShotWhenAsked({ HEALTH_GATE_SECONDS: '15' });
    expect(upgrade.code).toBe(3);
    expect(upgrade.stderr).toContain('1.2.0 failed its health gate');
    expect(current()).toBe('releases/1.1.0');
    expect(releaseState()).toMatchObject({ result: 'rolled-back', version: '1.1.0', attempted: '1.2.0' });

    const rolledBack = await rolloutState('1.2.0', 'rolled_back');
    expect(rolledBack.detail).toMatch(/agent/);
    const health = await eventually(() => hearth(['health']));
    expect(health.stdout).toMatch(/ok\s+agent/);
    expect(health.stdout).toMatch(/ok\s+broker\s+listening on 127\.0\.0\.1:\d+/);
  }, 300_000);

  it('rejects a bundle with a bad signature before anything else, on the hub and in the installer', async () => {
    await rollOut(bundles.forged);
    const rejected = await rolloutState('1.3.0', 'rejected');
    expect(rejected.detail).toBe(
      'release 1.3.0 refused: its signature does not match the release key this hub trusts',
    );
    expect(existsSync(join(spool, 'install.request'))).toBe(false);
    expect(existsSync(join(data, 'ota/staging'))).toBe(false);

    const byHand = await install([bundles.forged.file]);
    expect(byHand.code).toBe(4);
    expect(byHand.stderr).toContain('its signature does not match the release key this hub trusts');
    expect(current()).toBe('releases/1.1.0');
    expect(existsSync(join(root, 'opt/hearth/releases/1.3.0'))).toBe(false);
  }, 300_000);

  it('uninstalls keeping configuration and data, and purges them on request', async () => {
    execFileSync('sh', ['-c', `kill $(cat '${pidFile}')`]);
    expect((await install(['--uninstall'])).code).toBe(0);
    expect(existsSync(join(root, 'opt/hearth'))).toBe(false);
    expect(existsSync(join(root, 'usr/local/bin/hearth'))).toBe(false);
    for (const unit of ['hearth-agent.service', 'hearth-update.path', 'hearth-update.service'])
      expect(existsSync(join(root, 'etc/systemd/system', unit))).toBe(false);
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

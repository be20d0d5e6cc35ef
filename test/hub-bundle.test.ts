// The offline hub bundle for a Raspberry Pi: built twice it is the same file; every binary in it
// is aarch64; and under qemu its own Node runtime starts the agent, which opens SQLite, loads the
// senior's ONNX model and uploads the simulated home's readings to a real cloud on loopback.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRelease } from '../hub-agent/src/ota/release-signature.js';
import { type BuiltBundle, buildHubBundle } from '../scripts/hub-bundle/build.js';
import { readElf } from '../scripts/hub-bundle/elf.js';
import { qemuBinary, qemuEnvironment, qemuMissing } from '../scripts/hub-bundle/qemu.js';
import {
  ApiClient,
  type CloudProgram,
  type Program,
  startCloud,
  startCommand,
  waitForLine,
} from '../scripts/local-stack.js';
import { buildTools, requireTools } from './support/bundle-tools.js';

const missing = requireTools('hub bundle suite', buildTools);
const noQemu = requireTools('hub bundle under qemu', [], [qemuMissing()]);
const work = mkdtempSync(join(tmpdir(), 'hearth-bundle-'));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

function logged(msg: string) {
  return (line: string) => {
    try {
      const entry = JSON.parse(line) as { msg?: string };
      return entry.msg === msg ? entry : undefined;
    } catch {
      return undefined;
    }
  };
}

describe.skipIf(missing.length > 0)('hub bundle for linux-arm64', () => {
  let first: BuiltBundle;
  let second: BuiltBundle;
  let tree: string;

  // A release key made for this run; a real one lives on the release machine, never on the servers.
  const releaseKey = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    const key = releaseKey.privateKey;
    first = await buildHubBundle({ arch: 'arm64', outDir: join(work, 'first'), releaseKey: key });
    second = await buildHubBundle({ arch: 'arm64', outDir: join(work, 'second'), releaseKey: key });
    const size = (statSync(first.file).size / 1024 / 1024).toFixed(1);
    console.log(`hearth-hub-${first.version}-linux-arm64.tar.gz: ${size} MiB, sha256 ${first.sha256}`);
    execFileSync('tar', ['-xzf', first.file, '-C', work]);
    tree = join(work, `hearth-hub-${first.version}-linux-arm64`);
  }, 1_200_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is the same file, byte for byte, when built twice', () => {
    expect(second.sha256).toBe(first.sha256);
    const hash = createHash('sha256').update(readFileSync(second.file)).digest('hex');
    expect(hash).toBe(first.sha256);
  });

  it('is signed with the release key, whose public half it carries for the hub to trust', async () => {
    const trusted = readFileSync(join(tree, 'release-key.pem'), 'utf8');
    expect(trusted).toBe(releaseKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const manifest = JSON.parse(readFileSync(first.manifest!, 'utf8'));
    await expect(verifyRelease(first.file, manifest, trusted)).resolves.toMatchObject({
      version: first.version,
      arch: 'arm64',
      sha256: first.sha256,
    });
    // Ed25519 is deterministic: the second build carries the very same signature.
    expect(readFileSync(second.manifest!, 'utf8')).toBe(readFileSync(first.manifest!, 'utf8'));
  });

  it('holds the Node runtime and every native addon built for aarch64, and no other platform’s', () => {
    const binaries = files(tree).filter((f) => f.endsWith('.node') || relative(tree, f) === 'bin/node');
    const found = binaries.map((f) => ({ file: relative(tree, f), elf: readElf(f) }));
    for (const { file, elf } of found)
      expect({ file, elf }).toEqual({ file, elf: { arch: 'arm64', bits: 64 } });
    const names = found.map((f) => f.file.split('/').pop());
    expect(names).toEqual(
      expect.arrayContaining([
        'node',
        'better_sqlite3.node',
        'epoll.node',
        '@serialport+bindings-cpp.armv8.glibc.node',
        'onnxruntime_binding.node',
        'node_datachannel.node',
      ]),
    );
    // Lean: the libraries the addons load are aarch64 too, and nothing is left for other systems.
    for (const lib of files(tree).filter((f) => /\.so(\.\d+)*$/.test(f)))
      expect(readElf(lib)?.arch).toBe('arm64');
    const paths = files(tree).map((f) => relative(tree, f));
    const nonScripts = paths.filter((p) => !/\.[cm]?js$/.test(p));
    expect(nonScripts.filter((p) => /darwin|win32|musl|linux-x64|\/x64\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.(d\.ts|cc|gyp)$/.test(p))).toEqual([]);
  });

  describe.skipIf(noQemu.length > 0)('under qemu-aarch64-static', () => {
    let cloud: CloudProgram;
    let agent: Program | undefined;
    const run = (args: string[], env: Record<string, string>) =>
      execFileSync(qemuBinary, [join(tree, 'bin/node'), ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });

    beforeAll(async () => {
      cloud = await startCloud({
        dataDir: join(work, 'cloud'),
        // The embedded cloud whatever the run's DATABASE_URL: this suite is about the hub.
        env: { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' },
        readyTimeoutMs: 180_000,
      });
    }, 240_000);

    afterAll(async () => {
      await agent?.stop();
      await cloud?.stop();
    }, 60_000);

    it('starts the agent, which opens SQLite, loads the ONNX model and uploads readings to the cloud', async () => {
      const admin = new ApiClient(cloud.url);
      await admin.login('admin@demo.hearth', 'demo-admin');
      const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
        name: 'Edith Moss',
        address: '2 Quay Street',
        timezone: 'Europe/London',
      });
      const { code } = await admin.request<{ code: string }>(
        'POST',
        `/api/v1/seniors/${senior.id}/pairing-codes`,
      );
      const env = qemuEnvironment(join(work, 'qemu-prefix'));
      const hubDir = join(work, 'hub');
      const paired = run(
        [
          join(tree, 'dist/hearth.mjs'),
          'pair',
          '--cloud',
          cloud.url,
          '--code',
          code,
          '--data-dir',
          hubDir,
          '--json',
        ],
        env,
      );
      const { hubId } = JSON.parse(paired) as { hubId: string };

      // The senior's model, as the model updater leaves it on disk.
      const model = readFileSync('hub-agent/src/model/testdata/routine.onnx');
      mkdirSync(join(hubDir, 'models'), { recursive: true });
      writeFileSync(join(hubDir, 'models/active.onnx'), model);
      const sha256 = createHash('sha256').update(model).digest('hex');
      writeFileSync(
        join(hubDir, 'models/active.json'),
        JSON.stringify({ version: 'routine-1', sha256, installedAt: new Date().toISOString() }),
      );

      agent = startCommand(
        qemuBinary,
        [
          join(tree, 'bin/node'),
          join(tree, 'dist/hearth-agent.mjs'),
          '--data-dir',
          hubDir,
          '--simulate',
          '--sim-speed',
          '60',
        ],
        { env },
      );
      await waitForLine(agent, logged('model loaded from disk'), 240_000);
      await waitForLine(agent, logged('hearth-agent ready'), 240_000);

      const deadline = Date.now() + 120_000;
      let events: { hubId: string }[] = [];
      while (Date.now() < deadline) {
        ({ events } = await admin.request<{ events: { hubId: string }[] }>(
          'GET',
          `/api/v1/seniors/${senior.id}/events`,
        ));
        if (events.some((e) => e.hubId === hubId)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(events.filter((e) => e.hubId === hubId).length).toBeGreaterThan(0);
    }, 600_000);
  });
});

// install-hub.sh checks a bundle's signature with the release key the hub trusts before it touches
// anything, by hand and when it takes the release the agent left for it (hearth-update.service).
// Small stand-in bundles keep this fast; test/install-hub.test.ts installs real ones.
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { signRelease } from '../hub-agent/src/ota/release-signature.js';
import { packReproducibly } from '../scripts/hub-bundle/archive.js';

const run = promisify(execFile);
const machine = arch() === 'arm64' ? 'arm64' : 'x64';
const work = mkdtempSync(join(tmpdir(), 'hearth-install-signature-'));
const releaseKey = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const pubkey = join(work, 'release-key.pub.pem');
writeFileSync(pubkey, pem(releaseKey.publicKey));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A bundle with what the installer reads (no runtime); signed with `key` unless null. */
function bundle(
  version: string,
  key: KeyObject | null = releaseKey.privateKey,
  carries = releaseKey.publicKey,
) {
  const stage = mkdtempSync(join(work, 'stage-'));
  const tree = join(stage, `hearth-hub-${version}-linux-${machine}`);
  mkdirSync(join(tree, 'systemd'), { recursive: true });
  writeFileSync(
    join(tree, 'release.json'),
    `{\n  "name": "hearth-hub",\n  "version": "${version}",\n  "arch": "${machine}"\n}\n`,
  );
  writeFileSync(join(tree, 'agent.example.json'), '{}\n');
  for (const unit of ['hearth-agent.service', 'hearth-update.path', 'hearth-update.service'])
    writeFileSync(join(tree, 'systemd', unit), readFileSync(join('systemd', unit)));
  writeFileSync(join(tree, 'release-key.pem'), pem(carries));
  const file = join(work, `hearth-hub-${version}-linux-${machine}-${readdirSync(work).length}.tar.gz`);
  packReproducibly(tree, file, 0);
  if (key) {
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    writeFileSync(
      `${file}.release.json`,
      JSON.stringify(signRelease({ version, arch: machine, sha256 }, key), null, 2),
    );
  }
  return file;
}

function install(root: string, args: string[]) {
  return run('bash', ['scripts/install-hub.sh', '--root', root, ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

const releases = (root: string) =>
  readdirSync(join(root, 'opt/hearth/releases')).filter((n) => !n.startsWith('.'));

describe('install-hub.sh and release signatures', () => {
  it('refuses a first install whose signature does not match the key given, creating nothing', async () => {
    const root = join(work, 'first-refused');
    const forged = bundle('1.0.0', stranger.privateKey);
    const result = await install(root, ['--pubkey', pubkey, forged]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      'refused: release 1.0.0: its signature does not match the release key this hub trusts',
    );
    expect(existsSync(root)).toBe(false);
  });

  it('trusts the key of the first install, then refuses bundles not signed with it before touching anything', async () => {
    const root = join(work, 'hub');
    const first = await install(root, ['--pubkey', pubkey, bundle('1.0.0')]);
    expect(first).toMatchObject({ code: 0 });
    expect(readFileSync(join(root, 'etc/hearth/release-key.pem'), 'utf8')).toBe(pem(releaseKey.publicKey));

    // Signed by another key (and carrying it): refused, whatever key the bundle brings along.
    const forged = await install(root, [bundle('1.1.0', stranger.privateKey, stranger.publicKey)]);
    expect(forged.code).toBe(4);
    expect(forged.stderr).toMatch(/its signature does not match the release key this hub trusts/);

    // The bytes changed after signing: the manifest of one bundle beside another.
    const honest = bundle('1.1.0');
    const other = bundle('1.1.0-rc');
    const swapped = await install(root, ['--manifest', `${honest}.release.json`, other]);
    expect(swapped.code).toBe(4);
    expect(swapped.stderr).toMatch(/release 1\.1\.0: the bundle's sha256 is [0-9a-f]{64}, its manifest says/);

    const unsigned = await install(root, [bundle('1.1.0', null)]);
    expect(unsigned.code).toBe(4);
    expect(unsigned.stderr).toContain('no signed manifest');

    const anotherKey = join(work, 'another.pem');
    writeFileSync(anotherKey, pem(stranger.publicKey));
    expect((await install(root, ['--pubkey', anotherKey, honest])).code).toBe(1);

    expect(releases(root)).toEqual(['1.0.0']);
    expect(existsSync(join(root, 'var/lib/hearth/release-state.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(root, 'var/lib/hearth/release-state.json'), 'utf8'))).toMatchObject({
      result: 'installed',
      version: '1.0.0',
    });

    const upgrade = await install(root, [honest]);
    expect(upgrade.code).toBe(0);
    expect(releases(root)).toEqual(['1.0.0', '1.1.0']);
  });

  it('takes the release the agent left, refuses a tampered one and records why for the agent to report', async () => {
    const root = join(work, 'hub');
    const spool = join(root, 'var/lib/hearth/ota/ready');
    const leave = (file: string, name: string, manifest = `${file}.release.json`) => {
      mkdirSync(spool, { recursive: true });
      writeFileSync(join(spool, name), readFileSync(file));
      writeFileSync(join(spool, `${name}.release.json`), readFileSync(manifest));
      writeFileSync(join(spool, 'install.request'), `${name}\n`);
    };
    const name = `hearth-hub-1.2.0-linux-${machine}.tar.gz`;
    leave(bundle('1.2.0', stranger.privateKey, stranger.publicKey), name);
    const refused = await install(root, ['--spool', spool]);
    expect(refused.code).toBe(4);
    expect(readdirSync(spool)).toEqual([]);
    expect(JSON.parse(readFileSync(join(root, 'var/lib/hearth/release-state.json'), 'utf8'))).toMatchObject({
      result: 'rejected',
      version: '1.1.0',
      attempted: '1.2.0',
      reason: expect.stringContaining('its signature does not match'),
    });

    leave(bundle('1.2.0'), name);
    const taken = await install(root, ['--spool', spool]);
    expect(taken).toMatchObject({ code: 0 });
    expect(releases(root)).toContain('1.2.0');
    expect((await install(root, ['--spool', spool])).stdout).toContain('Nothing waits');
  });

  it('refuses a hand-off that links to a file elsewhere instead of holding the bundle', async () => {
    const root = join(work, 'hub');
    const spool = join(root, 'var/lib/hearth/ota/ready');
    mkdirSync(spool, { recursive: true });
    const file = bundle('1.4.0');
    const name = `hearth-hub-1.4.0-linux-${machine}.tar.gz`;
    symlinkSync(file, join(spool, name));
    writeFileSync(join(spool, `${name}.release.json`), readFileSync(`${file}.release.json`));
    writeFileSync(join(spool, 'install.request'), name);
    const result = await install(root, ['--spool', spool]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is missing or not a plain file');
    expect(releases(root)).not.toContain('1.4.0');
    expect(JSON.parse(readFileSync(join(root, 'var/lib/hearth/release-state.json'), 'utf8'))).toMatchObject({
      result: 'failed',
      attempted: '1.4.0',
    });
  });

  it('never trusts a key on first use from the agent’s hand-off', async () => {
    const root = join(work, 'unsigned-hub');
    expect((await install(root, [bundle('1.0.0', null)])).code).toBe(0);
    expect(existsSync(join(root, 'etc/hearth/release-key.pem'))).toBe(true); // the bundle carried one
    rmSync(join(root, 'etc/hearth/release-key.pem'));
    const spool = join(root, 'var/lib/hearth/ota/ready');
    mkdirSync(spool, { recursive: true });
    const file = bundle('1.1.0', stranger.privateKey, stranger.publicKey);
    const name = `hearth-hub-1.1.0-linux-${machine}.tar.gz`;
    writeFileSync(join(spool, name), readFileSync(file));
    writeFileSync(join(spool, `${name}.release.json`), readFileSync(`${file}.release.json`));
    writeFileSync(join(spool, 'install.request'), name);
    const result = await install(root, ['--spool', spool]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('this hub trusts no release key');
    expect(existsSync(join(root, 'etc/hearth/release-key.pem'))).toBe(false);
    expect(releases(root)).toEqual(['1.0.0']);
  });
});

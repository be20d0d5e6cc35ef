import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReleaseConfig } from './release-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-release-config-'));
const load = (env: Record<string, string>) =>
  loadReleaseConfig(env, { dataDir: '/var/lib/hearth', cwd: dir });

describe('release settings', () => {
  it('keeps bundles under the data directory unless told otherwise, and checks no signature without a key', () => {
    expect(load({})).toEqual({
      config: { dir: '/var/lib/hearth/releases', publicKeyPem: undefined, maxBytes: 512 * 1024 * 1024 },
    });
  });

  it('reads an Ed25519 public key at start', () => {
    const file = join(dir, 'release.pub.pem');
    writeFileSync(file, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const loaded = load({
      HEARTH_RELEASE_PUBLIC_KEY_FILE: 'release.pub.pem',
      HEARTH_RELEASES_DIR: 'bundles',
    });
    expect(loaded).toMatchObject({
      config: { dir: join(dir, 'bundles'), publicKeyPem: expect.stringContaining('PUBLIC KEY') },
    });
  });

  it('names the setting when the key is missing, not a key, or not Ed25519', () => {
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'hello');
    expect(load({ HEARTH_RELEASE_PUBLIC_KEY_FILE: 'nope.pem' })).toEqual({
      problems: ['HEARTH_RELEASE_PUBLIC_KEY_FILE="nope.pem": cannot read it (ENOENT)'],
    });
    expect(load({ HEARTH_RELEASE_PUBLIC_KEY_FILE: garbage })).toEqual({
      problems: [`HEARTH_RELEASE_PUBLIC_KEY_FILE=${JSON.stringify(garbage)}: not a PEM public key`],
    });
    expect(load({ HEARTH_RELEASE_PUBLIC_KEY_FILE: rsa })).toEqual({
      problems: [
        `HEARTH_RELEASE_PUBLIC_KEY_FILE=${JSON.stringify(rsa)}: expected an Ed25519 public key, got rsa`,
      ],
    });
    expect(load({ HEARTH_MAX_RELEASE_BYTES: '12' })).toEqual({
      problems: [expect.stringMatching(/^HEARTH_MAX_RELEASE_BYTES="12": /)],
    });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReleaseRejected, sha256OfFile, signRelease, verifyRelease } from './release-signature.js';

const releaseKey = generateKeyPairSync('ed25519');
const trusted = releaseKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const dir = mkdtempSync(join(tmpdir(), 'hearth-release-'));
const tarball = join(dir, 'hearth-hub-1.1.0-linux-arm64.tar.gz');
writeFileSync(tarball, Buffer.from('a release tarball, as bytes'));

async function signed() {
  return signRelease(
    { version: '1.1.0', arch: 'arm64', sha256: await sha256OfFile(tarball) },
    releaseKey.privateKey,
  );
}

async function refusal(manifest: unknown, key = trusted, file = tarball): Promise<ReleaseRejected> {
  const error = await verifyRelease(file, manifest, key).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReleaseRejected);
  return error as ReleaseRejected;
}

describe('a downloaded release is checked before anything else', () => {
  it('is accepted when its bytes match the sha256 the release key signed', async () => {
    const release = await signed();
    await expect(verifyRelease(tarball, release, trusted)).resolves.toEqual(release);
  });

  it('is refused when the bytes are not the ones signed (a cut or tampered download)', async () => {
    const other = join(dir, 'tampered.tar.gz');
    writeFileSync(other, Buffer.from('a release tarball, as bytes!'));
    const error = await refusal(await signed(), trusted, other);
    expect(error.reason).toBe('sha256_mismatch');
    expect(error.message).toMatch(
      /^release 1\.1\.0 refused: the download's sha256 is [0-9a-f]{64}, the release says/,
    );
  });

  it('is refused when signed by another key, or when the signed statement was changed', async () => {
    const stranger = generateKeyPairSync('ed25519');
    const forged = signRelease(
      { version: '1.1.0', arch: 'arm64', sha256: await sha256OfFile(tarball) },
      stranger.privateKey,
    );
    expect((await refusal(forged)).reason).toBe('bad_signature');
    expect((await refusal({ ...(await signed()), version: '9.9.9' })).message).toBe(
      'release 9.9.9 refused: its signature does not match the release key this hub trusts',
    );
  });

  it('is refused, naming the field, when the manifest is malformed', async () => {
    const error = await refusal({ ...(await signed()), sha256: 'abc' });
    expect(error.reason).toBe('bad_manifest');
    expect(error.message).toBe('release manifest refused: sha256: expected 64 lowercase hex digits');
  });
});

// Over-the-air releases are signed with an Ed25519 release key kept off the servers; the hub trusts
// the public key that came with its first bundle. The key signs a short statement naming the
// release and the sha256 of its tarball, so the hub checks the bytes it downloaded against the
// hash before anything else, then the hash against the signature: a cloud that is compromised can
// withhold releases but cannot make a hub install one the release key did not sign.
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { releaseStatement, SignedRelease } from '@hearth/shared';

// The manifest's shape and the signed statement are shared with the cloud, which checks an uploaded
// release against the same key before offering it.
export { SignedRelease };

/** The exact bytes signed: versioned, so a later format cannot be confused with this one. */
export function signedStatement(release: Omit<SignedRelease, 'signature'>): Buffer {
  return Buffer.from(releaseStatement(release), 'utf8');
}

/** Signs a release with the release key (an Ed25519 private key, on the release machine only). */
export function signRelease(release: Omit<SignedRelease, 'signature'>, privateKey: KeyObject): SignedRelease {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the release key must be an Ed25519 key');
  return { ...release, signature: sign(null, signedStatement(release), privateKey).toString('base64') };
}

export class ReleaseRejected extends Error {
  constructor(
    readonly reason: 'bad_manifest' | 'sha256_mismatch' | 'bad_signature',
    message: string,
  ) {
    super(message);
  }
}

/** sha256 (hex) of a file, streamed (a bundle is tens of megabytes). */
export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Checks a downloaded release before anything else is done with it: the manifest's shape, the
 * tarball's sha256, then the signature with the trusted public key (PEM).
 * @throws ReleaseRejected saying which check failed.
 */
export async function verifyRelease(
  tarball: string,
  manifest: unknown,
  trustedKeyPem: string,
): Promise<SignedRelease> {
  const parsed = SignedRelease.safeParse(manifest);
  if (!parsed.success)
    throw new ReleaseRejected(
      'bad_manifest',
      `release manifest refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const release = parsed.data;
  const actual = await sha256OfFile(tarball);
  if (actual !== release.sha256)
    throw new ReleaseRejected(
      'sha256_mismatch',
      `release ${release.version} refused: the download's sha256 is ${actual}, the release says ${release.sha256}`,
    );
  const key = createPublicKey(trustedKeyPem);
  const ok =
    key.asymmetricKeyType === 'ed25519' &&
    verify(null, signedStatement(release), key, Buffer.from(release.signature, 'base64'));
  if (!ok)
    throw new ReleaseRejected(
      'bad_signature',
      `release ${release.version} refused: its signature does not match the release key this hub trusts`,
    );
  return release;
}

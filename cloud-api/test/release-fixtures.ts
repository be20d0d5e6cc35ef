// Release keys and bundles for the over-the-air suites: a bundle is random bytes here (the cloud never
// looks inside), signed exactly as scripts/build-hub-bundle signs one.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELEASE_HEADERS, type ReleaseArch, releaseStatement } from '@hearth/shared';
import { HubStore } from '../src/hubs/hub-store.js';
import type { TestCloud } from './harness.js';

/** A release key pair, its public half written to a PEM file for HEARTH_RELEASE_PUBLIC_KEY_FILE. */
export function releaseKey(): { privateKey: KeyObject; publicKeyFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyFile = join(mkdtempSync(join(tmpdir(), 'hearth-release-key-')), 'release.pub.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKeyFile };
}

export interface TestBundle {
  version: string;
  arch: ReleaseArch;
  bytes: Buffer;
  sha256: string;
  signature: string;
}

/** A bundle of `size` random bytes, signed with `key`. */
export function bundle(
  version: string,
  key: KeyObject,
  size = 20_000,
  arch: ReleaseArch = 'arm64',
): TestBundle {
  const bytes = randomBytes(size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const signature = sign(null, Buffer.from(releaseStatement({ version, arch, sha256 })), key).toString(
    'base64',
  );
  return { version, arch, bytes, sha256, signature };
}

/** The manifest headers of a bundle, with any of them replaced. */
export function manifestHeaders(
  b: TestBundle,
  override: Partial<Record<keyof typeof RELEASE_HEADERS, string>> = {},
) {
  const m = { version: b.version, arch: b.arch, sha256: b.sha256, signature: b.signature, ...override };
  return Object.fromEntries(
    Object.entries(RELEASE_HEADERS).map(([k, h]) => [h, m[k as keyof typeof RELEASE_HEADERS]]),
  ) as Record<string, string>;
}

/** Uploads a bundle as an admin would. */
export function upload(cloud: TestCloud, token: string, b: TestBundle, body: Buffer = b.bytes) {
  return cloud.api('POST', 'releases', {
    token,
    body,
    headers: { 'content-type': 'application/gzip', ...manifestHeaders(b) },
  });
}

/** Polls `check` until it holds (a state written after a message went out); @throws after `ms`. */
export async function eventually<T>(check: () => Promise<T>, what: string, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Pairs `n` hubs of a senior through the hub store (the claim route allows ten a minute per address,
 * and a rollout needs a fleet to choose from).
 */
export async function pairFleet(cloud: TestCloud, seniorId: string, staffId: string, n: number) {
  const store = new HubStore(cloud.sql, () => new Date());
  const fleet: { hubId: string; apiKey: string }[] = [];
  for (let i = 0; i < n; i++) {
    const { code } = await store.createPairingCode(seniorId, staffId);
    const claimed = await store.claim(code, `pi-fleet-${i}-${randomBytes(3).toString('hex')}`);
    if (!claimed) throw new Error('claim failed');
    fleet.push({ hubId: claimed.hubId, apiKey: claimed.apiKey });
  }
  return fleet;
}

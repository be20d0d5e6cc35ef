import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** The release settings, read from the same environment as the rest of the cloud's settings. */
export const ReleaseEnvSchema = z.object({
  /** Where uploaded hub bundles are kept (shared by every instance, e.g. a mounted volume). */
  HEARTH_RELEASES_DIR: z.string().min(1).optional(),
  /** PEM file with the release key's public half; set, an upload whose signature fails is refused. */
  HEARTH_RELEASE_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** Largest bundle accepted. */
  HEARTH_MAX_RELEASE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024 * 1024),
});

/** Validated release settings. */
export interface ReleaseConfig {
  /** Directory of the bundles; default `<dataDir>/releases`. */
  dir: string;
  /** The release public key (PEM), or undefined when uploads are not checked against one. */
  publicKeyPem: string | undefined;
  maxBytes: number;
}

/**
 * Reads the release settings. The public key is read and parsed here, so a wrong path or a key that
 * is not Ed25519 stops the cloud at start instead of at the first upload.
 * @returns the config, or the problems, each naming the setting and its value.
 */
export function loadReleaseConfig(
  env: NodeJS.ProcessEnv,
  { dataDir, cwd }: { dataDir: string; cwd: string },
): { config: ReleaseConfig } | { problems: string[] } {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = ReleaseEnvSchema.safeParse(given);
  if (!result.success)
    return {
      problems: result.error.issues.map((i) => {
        const key = String(i.path[0] ?? '?');
        return `${key}=${JSON.stringify(env[key])}: ${i.message}`;
      }),
    };
  const e = result.data;
  let publicKeyPem: string | undefined;
  if (e.HEARTH_RELEASE_PUBLIC_KEY_FILE) {
    const file = resolve(cwd, e.HEARTH_RELEASE_PUBLIC_KEY_FILE);
    const named = `HEARTH_RELEASE_PUBLIC_KEY_FILE=${JSON.stringify(e.HEARTH_RELEASE_PUBLIC_KEY_FILE)}`;
    try {
      publicKeyPem = readFileSync(file, 'utf8');
    } catch (err) {
      return { problems: [`${named}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`] };
    }
    let type: string | undefined;
    try {
      type = createPublicKey(publicKeyPem).asymmetricKeyType;
    } catch {
      return { problems: [`${named}: not a PEM public key`] };
    }
    if (type !== 'ed25519') return { problems: [`${named}: expected an Ed25519 public key, got ${type}`] };
  }
  return {
    config: {
      dir: resolve(cwd, e.HEARTH_RELEASES_DIR ?? join(dataDir, 'releases')),
      publicKeyPem,
      maxBytes: e.HEARTH_MAX_RELEASE_BYTES,
    },
  };
}

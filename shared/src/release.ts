// Over-the-air releases of the hub agent: what the release key signs, what an admin uploads with a
// bundle, how a rollout is asked for and what the cloud records for each hub it targets.
import { z } from 'zod';

/** A release version as bundles are named (`hearth-hub-<version>-linux-<arch>.tar.gz`). */
export const ReleaseVersion = z
  .string()
  .regex(/^[0-9A-Za-z.+-]{1,64}$/, 'expected a release version such as 1.2.0 (letters, digits, . + -)');
/** The CPU a bundle is built for. */
export const ReleaseArch = z.enum(['arm64', 'x64']);
export type ReleaseArch = z.infer<typeof ReleaseArch>;

/** What a release's signature covers, and the signature (base64): the `<bundle>.release.json` manifest. */
export const SignedRelease = z.object({
  version: ReleaseVersion,
  arch: ReleaseArch,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected a base64 Ed25519 signature (64 bytes)'),
});
export type SignedRelease = z.infer<typeof SignedRelease>;

/**
 * The exact text the release key signs (UTF-8): versioned, so a later format cannot be confused with
 * this one. Both the hub and the cloud verify against it.
 */
export function releaseStatement(release: Omit<SignedRelease, 'signature'>): string {
  return `hearth-release/1\n${release.version}\n${release.arch}\n${release.sha256}\n`;
}

/** Headers carrying the manifest beside an uploaded bundle (`POST /api/v1/releases`). */
export const RELEASE_HEADERS = {
  version: 'hearth-release-version',
  arch: 'hearth-release-arch',
  sha256: 'hearth-release-sha256',
  signature: 'hearth-release-signature',
} as const;

/**
 * Start or widen a rollout: a share of the fleet (hubs chosen by a stable hash of their id, so a
 * wider share keeps every hub of the narrower one) and/or hubs by name. Never narrows.
 */
export const RolloutRequest = z
  .object({
    percent: z.number().int('percent must be a whole number').min(0).max(100).optional(),
    hubIds: z.array(z.uuid('each hub id must be a UUID')).min(1).max(1000).optional(),
  })
  .refine((r) => r.percent !== undefined || r.hubIds !== undefined, {
    message: 'give percent (0-100), hubIds, or both',
  });
export type RolloutRequest = z.infer<typeof RolloutRequest>;

/**
 * Where a targeted hub is with a release: `targeted` (chosen, not yet told), `offered` (told over its
 * control channel), `downloading` (fetching the bundle), then what the hub reported.
 */
export const RolloutHubState = z.enum([
  'targeted',
  'offered',
  'downloading',
  'installed',
  'rolled_back',
  'rejected',
  'failed',
]);
export type RolloutHubState = z.infer<typeof RolloutHubState>;

/** A hub's place in the newest rollout that targets it, as the hubs list shows it. */
export const HubRollout = z.object({
  hubId: z.uuid(),
  version: z.string(),
  state: RolloutHubState,
  detail: z.string().nullable(),
  updatedAt: z.string(),
});
export type HubRollout = z.infer<typeof HubRollout>;

/** A stored release and how far its rollout has gone. */
export const ReleaseSummary = z.object({
  version: z.string(),
  arch: ReleaseArch,
  sha256: z.string(),
  size: z.number().int(),
  createdAt: z.string(),
  rollout: z
    .object({ percent: z.number().int(), hubIds: z.array(z.string()), updatedAt: z.string() })
    .nullable(),
  /** How many targeted hubs are in each state. */
  hubs: z.record(RolloutHubState, z.number().int()),
});
export type ReleaseSummary = z.infer<typeof ReleaseSummary>;

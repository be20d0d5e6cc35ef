import { createHash } from 'node:crypto';
import type { RolloutHubState, RolloutRequest } from '@hearth/shared';

/** How far a release is rolled out. */
export interface Rollout {
  percent: number;
  /** Hubs named one by one, whatever the share. */
  hubIds: string[];
}

/** States after which the hub is left alone: it reported what became of the release. */
export const SETTLED_STATES: readonly RolloutHubState[] = ['installed', 'rolled_back', 'rejected', 'failed'];

/**
 * A hub's place in the fleet, 0..9999, from a hash of its id alone: the same for every release and
 * every instance, so a 10% rollout is the first 10% of a 50% one, and so on.
 */
export function hubBucket(hubId: string): number {
  return createHash('sha256').update(hubId.toLowerCase()).digest().readUInt32BE(0) % 10_000;
}

/** Whether a rollout reaches the hub. */
export function selects(rollout: Rollout, hubId: string): boolean {
  return hubBucket(hubId) < rollout.percent * 100 || rollout.hubIds.includes(hubId.toLowerCase());
}

/** Why a rollout request was refused. */
export class RolloutRefused extends Error {}

/**
 * The rollout after a request: the share only grows, named hubs are only added (a request naming
 * fewer hubs keeps the earlier ones). @throws RolloutRefused when it would narrow the share.
 */
export function widen(current: Rollout | undefined, request: RolloutRequest): Rollout {
  const percent = request.percent ?? current?.percent ?? 0;
  if (current && percent < current.percent)
    throw new RolloutRefused(
      `the rollout is at ${current.percent}%; it is only ever widened (asked for ${percent}%)`,
    );
  const hubIds = [
    ...new Set([...(current?.hubIds ?? []), ...(request.hubIds ?? []).map((h) => h.toLowerCase())]),
  ];
  return { percent, hubIds };
}

import { type HubRollout, type ReleaseArch, type ReleaseSummary, RolloutHubState } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import type { Rollout } from './rollout.js';

/** A stored release. */
export interface ReleaseRecord {
  version: string;
  arch: ReleaseArch;
  sha256: string;
  signature: string;
  size: number;
  fileName: string;
  createdAt: Date;
}

interface ReleaseRow {
  version: string;
  arch: ReleaseArch;
  sha256: string;
  signature: string;
  size_bytes: string | number;
  file_name: string;
  created_at: Date;
}

const toRecord = (r: ReleaseRow): ReleaseRecord => ({
  version: r.version,
  arch: r.arch,
  sha256: r.sha256,
  signature: r.signature,
  size: Number(r.size_bytes),
  fileName: r.file_name,
  createdAt: r.created_at,
});

/** A release with its rollout, for deciding what a hub should be offered. */
export interface RolledOutRelease {
  release: ReleaseRecord;
  rollout: Rollout;
}

/** The releases, their rollouts and where each targeted hub is. The SQL of the releases feature. */
export class ReleaseStore {
  constructor(private readonly sql: Sql) {}

  /** Stores a release. @returns false when the version exists already (nothing is changed). */
  async add(release: Omit<ReleaseRecord, 'createdAt'>, uploadedBy: string): Promise<boolean> {
    const rows = await this.sql`
      insert into releases (version, arch, sha256, signature, size_bytes, file_name, uploaded_by)
      values (${release.version}, ${release.arch}, ${release.sha256}, ${release.signature},
        ${release.size}, ${release.fileName}, ${uploadedBy})
      on conflict (version) do nothing returning version`;
    return rows.length === 1;
  }

  async exists(version: string): Promise<boolean> {
    return (await this.sql`select 1 from releases where version = ${version}`).length === 1;
  }

  async get(version: string): Promise<ReleaseRecord | undefined> {
    const [row] = await this.sql<ReleaseRow[]>`select * from releases where version = ${version}`;
    return row && toRecord(row);
  }

  /** Every release, newest first, with its rollout and how many targeted hubs are in each state. */
  async list(): Promise<ReleaseSummary[]> {
    const rows = await this.sql<
      (ReleaseRow & { percent: number | null; hub_ids: string[] | null; updated_at: Date | null })[]
    >`
      select r.*, o.percent, o.hub_ids, o.updated_at from releases r
      left join release_rollouts o on o.version = r.version order by r.created_at desc, r.version desc`;
    const counts = await this.sql<{ version: string; state: RolloutHubState; n: number }[]>`
      select version, state, count(*)::int as n from release_hub_states group by version, state`;
    return rows.map((r) => ({
      version: r.version,
      arch: r.arch,
      sha256: r.sha256,
      size: Number(r.size_bytes),
      createdAt: r.created_at.toISOString(),
      rollout:
        r.percent === null
          ? null
          : {
              percent: r.percent,
              hubIds: r.hub_ids ?? [],
              updatedAt: (r.updated_at ?? r.created_at).toISOString(),
            },
      hubs: Object.fromEntries(
        RolloutHubState.options.map((state) => [
          state,
          counts.find((c) => c.version === r.version && c.state === state)?.n ?? 0,
        ]),
      ) as ReleaseSummary['hubs'],
    }));
  }

  async rollout(version: string): Promise<Rollout | undefined> {
    const [row] = await this.sql<{ percent: number; hub_ids: string[] }[]>`
      select percent, hub_ids from release_rollouts where version = ${version}`;
    return row && { percent: row.percent, hubIds: row.hub_ids };
  }

  async saveRollout(version: string, rollout: Rollout, by: string): Promise<void> {
    await this.sql`
      insert into release_rollouts (version, percent, hub_ids, started_by)
      values (${version}, ${rollout.percent}, ${rollout.hubIds}::uuid[], ${by})
      on conflict (version) do update set percent = excluded.percent, hub_ids = excluded.hub_ids,
        updated_at = now()`;
  }

  /** Every release that has a rollout, newest first. */
  async rolledOut(): Promise<RolledOutRelease[]> {
    const rows = await this.sql<(ReleaseRow & { percent: number; hub_ids: string[] })[]>`
      select r.*, o.percent, o.hub_ids from releases r join release_rollouts o on o.version = r.version
      order by r.created_at desc, r.version desc`;
    return rows.map((r) => ({ release: toRecord(r), rollout: { percent: r.percent, hubIds: r.hub_ids } }));
  }

  /** Active hubs (id and the version they last said they run), for choosing who a rollout reaches. */
  async activeHubs(): Promise<{ id: string; agentVersion: string | null }[]> {
    const rows = await this.sql<{ id: string; agent_version: string | null }[]>`
      select id, agent_version from hubs where status = 'active'`;
    return rows.map((r) => ({ id: r.id, agentVersion: r.agent_version }));
  }

  /** Which of `hubIds` are not active hubs (unknown or revoked). */
  async notActive(hubIds: string[]): Promise<string[]> {
    const rows = await this.sql<{ id: string }[]>`
      select id from hubs where id = any(${hubIds}::uuid[]) and status = 'active'`;
    const active = new Set(rows.map((r) => r.id));
    return hubIds.filter((h) => !active.has(h));
  }

  /** Adds `targeted` rows for hubs not yet tracked for the release. @returns how many were new. */
  async target(version: string, hubIds: string[]): Promise<number> {
    if (hubIds.length === 0) return 0;
    const rows = await this.sql`
      insert into release_hub_states (version, hub_id, state)
      select ${version}, unnest(${hubIds}::uuid[]), 'targeted'
      on conflict (version, hub_id) do nothing returning hub_id`;
    return rows.length;
  }

  /** The hubs of a release in one of `states`. */
  async hubsIn(version: string, states: readonly RolloutHubState[]): Promise<string[]> {
    const rows = await this.sql<{ hub_id: string }[]>`
      select hub_id from release_hub_states where version = ${version} and state = any(${states as string[]})`;
    return rows.map((r) => r.hub_id);
  }

  async state(version: string, hubId: string): Promise<RolloutHubState | undefined> {
    const [row] = await this.sql<{ state: RolloutHubState }[]>`
      select state from release_hub_states where version = ${version} and hub_id = ${hubId}`;
    return row?.state;
  }

  /**
   * Moves a hub's row to `state`, creating it when absent. With `from`, only a row in one of those
   * states moves (an offer never overwrites a reported result). @returns whether it moved.
   */
  async setState(
    version: string,
    hubId: string,
    state: RolloutHubState,
    detail: string | null,
    from?: readonly RolloutHubState[],
  ): Promise<boolean> {
    const rows = from
      ? await this.sql`
          update release_hub_states set state = ${state}, detail = ${detail}, updated_at = now()
          where version = ${version} and hub_id = ${hubId} and state = any(${from as string[]})
          returning hub_id`
      : await this.sql`
          insert into release_hub_states (version, hub_id, state, detail) values (${version}, ${hubId}, ${state}, ${detail})
          on conflict (version, hub_id) do update set state = excluded.state, detail = excluded.detail,
            updated_at = now()
          returning hub_id`;
    return rows.length === 1;
  }

  /** Each hub's row of the newest release that targets it (for the hubs list). */
  async latestPerHub(hubIds?: string[]): Promise<HubRollout[]> {
    const rows = await this.sql<
      { hub_id: string; version: string; state: RolloutHubState; detail: string | null; updated_at: Date }[]
    >`
      select distinct on (s.hub_id) s.hub_id, s.version, s.state, s.detail, s.updated_at
      from release_hub_states s join releases r on r.version = s.version
      ${hubIds ? this.sql`where s.hub_id = any(${hubIds}::uuid[])` : this.sql``}
      order by s.hub_id, r.created_at desc, s.version desc`;
    return rows.map((r) => ({
      hubId: r.hub_id,
      version: r.version,
      state: r.state,
      detail: r.detail,
      updatedAt: r.updated_at.toISOString(),
    }));
  }
}

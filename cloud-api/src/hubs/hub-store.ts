import { type Sql, transaction } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import { PRESENCE_STALE_SECONDS } from './hub-presence.js';
import type { HubView } from './hub-ring.js';
import { keyMatches, keyPrefix, newHubKey, newPairingCode, normalisePairingCode, sha256 } from './keys.js';

/** Minutes a pairing code stays valid. */
export const PAIRING_CODE_MINUTES = 15;

export interface HubRow {
  id: string;
  senior_id: string;
  device_id: string;
  status: 'active' | 'revoked';
  acked_through_seq: number;
  last_seen_at: Date | null;
  created_at: Date;
  agent_version: string | null;
}

/** A hub with whether a control channel to any instance is open now. */
export type HubWithPresence = HubRow & { online: boolean };

/** A successful claim: the new hub's id and key, and the registrations of that device it replaced. */
export interface ClaimedHub {
  hubId: string;
  /** Shown once; only its hash is stored. */
  apiKey: string;
  seniorId: string;
  /** Earlier active registrations of the same device for the same senior, revoked by this claim. */
  replacedHubIds: string[];
}

export type HubLookup = { ok: true; hub: HubRow } | { ok: false; reason: 'unknown' | 'revoked' };

/** Hubs, their API keys, and the pairing codes that create them. */
export class HubStore {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date,
  ) {}

  /** Finds the hub a presented API key belongs to. A revoked hub is told so; a wrong key is unknown. */
  async authenticate(apiKey: string): Promise<HubLookup> {
    const prefix = keyPrefix(apiKey);
    if (!prefix) return { ok: false, reason: 'unknown' };
    const [row] = await this.sql<(HubRow & { key_hash: string })[]>`
      select * from hubs where key_prefix = ${prefix}`;
    if (!row || !keyMatches(apiKey, row.key_hash)) return { ok: false, reason: 'unknown' };
    if (row.status === 'revoked') return { ok: false, reason: 'revoked' };
    return { ok: true, hub: row };
  }

  /** Creates a pairing code for a senior, valid PAIRING_CODE_MINUTES, usable once. */
  async createPairingCode(seniorId: string, createdBy: string): Promise<{ code: string; expiresAt: Date }> {
    const code = newPairingCode();
    const expiresAt = new Date(this.now().getTime() + PAIRING_CODE_MINUTES * 60_000);
    await this.sql`insert into pairing_codes (code_hash, senior_id, created_by, expires_at)
      values (${sha256(normalisePairingCode(code))}, ${seniorId}, ${createdBy}, ${expiresAt})`;
    return { code, expiresAt };
  }

  /**
   * Spends a pairing code and registers the hub, in one transaction: of concurrent claims of one code,
   * exactly one gets a key. A hub re-paired with the same device id replaces its earlier registration.
   * @returns the new hub and the ids of registrations it replaced (now revoked); undefined when the code
   * is unknown, spent or expired.
   * @param audit records the outcome inside the same transaction; when it throws, nothing is claimed.
   */
  async claim(
    code: string,
    deviceId: string,
    audit: (tx: Sql, claimed: ClaimedHub | undefined) => Promise<void> = async () => {},
  ): Promise<ClaimedHub | undefined> {
    return transaction(this.sql, async (tx) => {
      const [spent] = await tx<{ senior_id: string }[]>`
        update pairing_codes set used_at = now()
        where code_hash = ${sha256(normalisePairingCode(code))} and used_at is null and expires_at > ${this.now()}
        returning senior_id`;
      if (!spent) {
        await audit(tx, undefined);
        return undefined;
      }
      const replaced = await tx<{ id: string }[]>`update hubs set status = 'revoked', revoked_at = now()
        where device_id = ${deviceId} and senior_id = ${spent.senior_id} and status = 'active' returning id`;
      const key = newHubKey();
      const [hub] = await tx<{ id: string }[]>`
        insert into hubs (senior_id, device_id, key_prefix, key_hash)
        values (${spent.senior_id}, ${deviceId}, ${key.prefix}, ${key.hash}) returning id`;
      await tx`update pairing_codes set hub_id = ${hub!.id} where code_hash = ${sha256(normalisePairingCode(code))}`;
      const claimed = {
        hubId: hub!.id,
        apiKey: key.key,
        seniorId: spent.senior_id,
        replacedHubIds: replaced.map((r) => r.id),
      };
      await audit(tx, claimed);
      return claimed;
    }) as Promise<ClaimedHub | undefined>;
  }

  /** The hub row, or undefined. */
  async get(hubId: string): Promise<HubRow | undefined> {
    const [row] = await this.sql<HubRow[]>`select * from hubs where id = ${hubId}`;
    return row;
  }

  /** Revokes the hub; its key stops working on the next request. False when absent. */
  async revoke(hubId: string): Promise<boolean> {
    const rows = await this.sql`update hubs set status = 'revoked', revoked_at = coalesce(revoked_at, now())
      where id = ${hubId} returning id`;
    return rows.length > 0;
  }

  /** Issues a new key for an active hub; the old one stops working at once. Undefined when absent or revoked. */
  async rotateKey(hubId: string): Promise<string | undefined> {
    const key = newHubKey();
    const rows = await this.sql`update hubs set key_prefix = ${key.prefix}, key_hash = ${key.hash}
      where id = ${hubId} and status = 'active' returning id`;
    return rows.length > 0 ? key.key : undefined;
  }

  /** Hubs of the given seniors, with their presence. */
  async listForSeniors(seniorIds: string[] | 'all'): Promise<HubWithPresence[]> {
    const online = this.onlineColumn();
    if (seniorIds === 'all')
      return this.sql<HubWithPresence[]>`select h.*, ${online} from hubs h order by h.created_at`;
    return this.sql<HubWithPresence[]>`select h.*, ${online} from hubs h
      where h.senior_id = any(${seniorIds}::uuid[]) order by h.created_at`;
  }

  /** The `hubs` topic's view of one hub; undefined when there is none. */
  async view(hubId: string): Promise<HubView | undefined> {
    const [row] = await this.sql<HubWithPresence[]>`
      select h.*, ${this.onlineColumn()} from hubs h where h.id = ${hubId}`;
    return row && toView(row);
  }

  /** Every hub `who` may see (admins all, others those of their seniors), oldest first, with presence. */
  async listVisible(who: StaffPrincipal): Promise<HubView[]> {
    const online = this.onlineColumn();
    const rows =
      who.role === 'admin'
        ? await this.sql<HubWithPresence[]>`select h.*, ${online} from hubs h order by h.created_at`
        : await this.sql<HubWithPresence[]>`select h.*, ${online} from hubs h
            where h.senior_id in (select senior_id from staff_seniors where staff_id = ${who.id})
            order by h.created_at`;
    return rows.map(toView);
  }

  /** Records the agent version the hub said hello with. */
  async setAgentVersion(hubId: string, version: string | null): Promise<void> {
    await this.sql`update hubs set agent_version = ${version} where id = ${hubId}
      and agent_version is distinct from ${version}`;
  }

  /** `online`: a control channel to some instance is open (a link row its instance keeps fresh). */
  private onlineColumn() {
    return this.sql`exists (select 1 from hub_control_links l where l.hub_id = h.id
      and l.heartbeat_at > now() - make_interval(secs => ${PRESENCE_STALE_SECONDS})) as online`;
  }

  /** Records that the hub was just heard from (its control channel opened or closed). */
  async markSeen(hubId: string): Promise<void> {
    await this.sql`update hubs set last_seen_at = now() where id = ${hubId}`;
  }
}

function toView(h: HubWithPresence): HubView {
  return {
    id: h.id,
    seniorId: h.senior_id,
    status: h.status,
    lastSeenAt: h.last_seen_at?.toISOString() ?? null,
    online: h.status === 'active' && h.online,
    agentVersion: h.agent_version,
  };
}

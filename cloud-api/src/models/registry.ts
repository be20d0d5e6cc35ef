import { createHash } from 'node:crypto';
import type { FeatureSpec } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import type { ObjectStore } from './object-store.js';

/** One registered model version of one senior. */
export interface ModelRecord {
  id: string;
  seniorId: string;
  version: number;
  sha256: string;
  sizeBytes: number;
  objectKey: string;
  source: 'trained' | 'uploaded';
  threshold: number | null;
  featureSpec: FeatureSpec | null;
  metrics: Record<string, unknown>;
  createdBy: string | null;
  createdAt: string;
  active: boolean;
  rolledBackAt: string | null;
  hubStatus: 'active' | 'rejected' | null;
  hubStatusReason: string | null;
}

export type RegistryErrorCode = 'NOT_FOUND' | 'NO_PREVIOUS_MODEL' | 'INTEGRITY';

/** A registry operation that cannot be done; `code` says why. */
export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RegisterInput {
  seniorId: string;
  bytes: Uint8Array;
  source: 'trained' | 'uploaded';
  threshold?: number | null;
  featureSpec?: FeatureSpec | null;
  metrics?: Record<string, unknown>;
  createdBy?: string | null;
}

interface Row {
  id: string;
  senior_id: string;
  version: number;
  sha256: string;
  size_bytes: number;
  object_key: string;
  source: 'trained' | 'uploaded';
  threshold: number | null;
  feature_spec: FeatureSpec | null;
  metrics: Record<string, unknown>;
  created_by: string | null;
  created_at: Date;
  rolled_back_at: Date | null;
  hub_status: 'active' | 'rejected' | null;
  hub_status_reason: string | null;
  active: boolean;
}

const toRecord = (r: Row): ModelRecord => ({
  id: r.id,
  seniorId: r.senior_id,
  version: r.version,
  sha256: r.sha256,
  sizeBytes: r.size_bytes,
  objectKey: r.object_key,
  source: r.source,
  threshold: r.threshold,
  featureSpec: r.feature_spec,
  metrics: r.metrics,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  active: r.active,
  rolledBackAt: r.rolled_back_at?.toISOString() ?? null,
  hubStatus: r.hub_status,
  hubStatusReason: r.hub_status_reason,
});

/** Serialises version numbering and activation per senior across every cloud instance. */
const LOCK_NAMESPACE = 7_243_100;

/**
 * Versioned models per senior: the bytes in the object store, the facts in PostgreSQL, one
 * active version. The file is written before its row, so a row never points at nothing; a
 * failed insert removes the file again.
 */
export class ModelRegistry {
  constructor(
    private readonly sql: Sql,
    private readonly store: ObjectStore,
  ) {}

  /** Stores a new version (not active yet). @throws on storage failure (nothing is registered). */
  async register(input: RegisterInput): Promise<ModelRecord> {
    const sha256 = createHash('sha256').update(input.bytes).digest('hex');
    return (await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${input.seniorId}))`;
      const [{ next }] =
        (await tx`select coalesce(max(version), 0) + 1 as next from models where senior_id = ${input.seniorId}`) as unknown as [
          { next: number },
        ];
      const objectKey = `models/${input.seniorId}/${next}-${sha256.slice(0, 16)}.onnx`;
      await this.store.put(objectKey, input.bytes);
      try {
        const [row] = await tx<Row[]>`
          insert into models (senior_id, version, sha256, size_bytes, object_key, source, threshold, feature_spec, metrics, created_by)
          values (${input.seniorId}, ${next}, ${sha256}, ${input.bytes.byteLength}, ${objectKey}, ${input.source},
                  ${input.threshold ?? null}, ${input.featureSpec ? tx.json(input.featureSpec as never) : null},
                  ${tx.json((input.metrics ?? {}) as never)}, ${input.createdBy ?? null})
          returning *, false as active`;
        return toRecord(row as Row);
      } catch (err) {
        await this.store.delete(objectKey).catch(() => {});
        throw err;
      }
    })) as ModelRecord;
  }

  /** Every version of the senior's models, newest first. */
  async list(seniorId: string): Promise<ModelRecord[]> {
    const rows = await this.sql<Row[]>`
      select m.*, (a.model_id is not null) as active from models m
      left join active_models a on a.model_id = m.id
      where m.senior_id = ${seniorId} order by m.version desc`;
    return rows.map(toRecord);
  }

  /** One version, or undefined. */
  async get(seniorId: string, version: number): Promise<ModelRecord | undefined> {
    const [row] = await this.sql<Row[]>`
      select m.*, (a.model_id is not null) as active from models m
      left join active_models a on a.model_id = m.id
      where m.senior_id = ${seniorId} and m.version = ${version}`;
    return row && toRecord(row);
  }

  /** The active version, or undefined while the senior has none. */
  async active(seniorId: string): Promise<ModelRecord | undefined> {
    const [row] = await this.sql<Row[]>`
      select m.*, true as active from active_models a join models m on m.id = a.model_id
      where a.senior_id = ${seniorId}`;
    return row && toRecord(row);
  }

  /** Makes `version` the active one. @throws RegistryError NOT_FOUND. */
  async activate(seniorId: string, version: number, by: string | null): Promise<ModelRecord> {
    await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${seniorId}))`;
      const [model] = await tx<
        { id: string }[]
      >`select id from models where senior_id = ${seniorId} and version = ${version}`;
      if (!model) throw new RegistryError('NOT_FOUND', `senior has no model version ${version}`);
      await tx`update models set rolled_back_at = null where id = ${model.id}`;
      await this.setActive(tx as unknown as Sql, seniorId, model.id, by, 'activate');
    });
    return (await this.get(seniorId, version)) as ModelRecord;
  }

  /**
   * Goes back to the version active before the current one, skipping versions already rolled
   * back away from. @throws RegistryError NO_PREVIOUS_MODEL (nothing changes).
   */
  async rollback(seniorId: string, by: string | null): Promise<ModelRecord> {
    const version = await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${seniorId}))`;
      const [current] = await tx<
        { model_id: string }[]
      >`select model_id from active_models where senior_id = ${seniorId}`;
      if (!current)
        throw new RegistryError('NO_PREVIOUS_MODEL', 'the senior has no active model to roll back');
      const [previous] = await tx<{ id: string; version: number }[]>`
        select m.id, m.version from model_activations h join models m on m.id = h.model_id
        where h.senior_id = ${seniorId} and h.model_id <> ${current.model_id} and m.rolled_back_at is null
        order by h.id desc limit 1`;
      if (!previous) throw new RegistryError('NO_PREVIOUS_MODEL', 'no earlier model version to roll back to');
      await tx`update models set rolled_back_at = now() where id = ${current.model_id}`;
      await this.setActive(tx as unknown as Sql, seniorId, previous.id, by, 'rollback');
      return previous.version;
    });
    return (await this.get(seniorId, version as number)) as ModelRecord;
  }

  /**
   * The model file, checked against its recorded sha256.
   * @throws RegistryError INTEGRITY when the stored bytes are missing or differ.
   */
  async readBytes(record: ModelRecord): Promise<Uint8Array> {
    const bytes = await this.store.get(record.objectKey);
    if (!bytes)
      throw new RegistryError('INTEGRITY', `model file ${record.objectKey} is missing from the object store`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== record.sha256) {
      throw new RegistryError(
        'INTEGRITY',
        `model file ${record.objectKey} has sha256 ${sha}, registered ${record.sha256}`,
      );
    }
    return bytes;
  }

  /** Records what the hub said about a version. @returns false when no such version exists. */
  async recordHubStatus(
    seniorId: string,
    report: { version: number; sha256: string; status: 'active' | 'rejected'; reason?: string | undefined },
  ): Promise<boolean> {
    const rows = await this.sql`
      update models set hub_status = ${report.status}, hub_status_reason = ${report.reason ?? null}, hub_status_at = now()
      where senior_id = ${seniorId} and version = ${report.version} and sha256 = ${report.sha256}
      returning id`;
    return rows.length > 0;
  }

  private async setActive(tx: Sql, seniorId: string, modelId: string, by: string | null, reason: string) {
    await tx`
      insert into active_models (senior_id, model_id, activated_by) values (${seniorId}, ${modelId}, ${by})
      on conflict (senior_id) do update set model_id = excluded.model_id, activated_by = excluded.activated_by, activated_at = now()`;
    await tx`insert into model_activations (senior_id, model_id, activated_by, reason) values (${seniorId}, ${modelId}, ${by}, ${reason})`;
  }
}

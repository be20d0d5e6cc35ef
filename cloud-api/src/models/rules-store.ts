import { RulesConfig, type RulesConfigInput, StillnessAllowances, summariseIssues } from '@hearth/shared';
import type { Sql } from '../db/database.js';

/** Settings that fail validation; `message` names each bad setting. */
export class RulesValidationError extends Error {
  readonly code = 'INVALID_RULES_CONFIG';
}

/**
 * The hard-rule settings of each senior. What an admin sets is kept as given (a partial config)
 * and completed with defaults when read, so a senior nobody has tuned gets today's defaults.
 * The time zone always comes from the senior's record.
 */
export class SeniorRulesStore {
  constructor(private readonly sql: Sql) {}

  /** The full settings the senior's hub should run, or undefined for an unknown senior. */
  async forSenior(seniorId: string): Promise<RulesConfig | undefined> {
    const [row] = await this.sql<{ timezone: string; config: RulesConfigInput | null }[]>`
      select s.timezone, r.config from seniors s left join senior_rules r on r.senior_id = s.id where s.id = ${seniorId}`;
    if (!row) return undefined;
    const parsed = RulesConfig.safeParse({ ...(row.config ?? {}), timezone: row.timezone });
    // Stored settings were valid when written; if a later version tightened a rule, fall back to defaults rather than leave the hub without rules.
    return parsed.success ? parsed.data : RulesConfig.parse({ timezone: row.timezone });
  }

  /**
   * Replaces the senior's settings with `input` (any subset; the rest are defaults).
   * @throws RulesValidationError when a setting is invalid (nothing is stored).
   * @returns the full settings now in force, or undefined for an unknown senior.
   */
  async replace(seniorId: string, input: unknown, by: string | null): Promise<RulesConfig | undefined> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new RulesValidationError('rules settings must be a JSON object');
    }
    // The time zone is the senior's record's, and what is usual is learned, not set by hand.
    const { timezone: _zone, stillness: _learned, ...rest } = input as Record<string, unknown>;
    const checked = RulesConfig.safeParse(rest);
    if (!checked.success) throw new RulesValidationError(summariseIssues(checked.error));
    const [senior] = await this.sql`select 1 from seniors where id = ${seniorId}`;
    if (!senior) return undefined;
    await this.sql`
      insert into senior_rules (senior_id, config, updated_by) values (${seniorId}, ${this.sql.json(rest as never)}, ${by})
      on conflict (senior_id) do update set
        config = excluded.config || case when senior_rules.config -> 'stillness' is not null
          then jsonb_build_object('stillness', senior_rules.config -> 'stillness') else '{}'::jsonb end,
        updated_by = excluded.updated_by, updated_at = now()`;
    return this.forSenior(seniorId);
  }

  /**
   * Keeps what was learned about the senior (see `learnSeniorStillness`) beside the settings an
   * admin chose, replacing what was learned before.
   * @returns the full settings now in force, or undefined for an unknown senior.
   */
  async setLearned(seniorId: string, stillness: StillnessAllowances): Promise<RulesConfig | undefined> {
    const checked = StillnessAllowances.parse(stillness);
    const [senior] = await this.sql`select 1 from seniors where id = ${seniorId}`;
    if (!senior) return undefined;
    const learned = this.sql.json({ stillness: checked } as never);
    await this.sql`
      insert into senior_rules (senior_id, config) values (${seniorId}, ${learned})
      on conflict (senior_id) do update set config = senior_rules.config || excluded.config`;
    return this.forSenior(seniorId);
  }
}

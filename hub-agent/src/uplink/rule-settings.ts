import type { RulesConfigInput } from '@hearth/shared';
import type { Logger } from 'pino';
import type { HomeConfig } from './hub-config.js';
import type { RememberedRules } from './remembered-rules.js';

/** The part of the detector the rule settings reach. */
export interface RulesTarget {
  /** Applies settings; throws naming a setting it refuses (the ones in force stay). */
  setConfig(config: RulesConfigInput): void;
}

/**
 * Where the senior's rule settings come from, and which win. They arrive at once over the control
 * channel and on a schedule from `/hub/config`; both apply here. The last ones heard are kept on
 * disk, restored at start (so a hub that restarts offline runs them, not the defaults), and stay
 * in force when a configuration without rules comes back.
 */
export class RuleSettings {
  private latest: { seniorId: string; rules: RulesConfigInput } | undefined;

  constructor(private readonly deps: { detector: RulesTarget; remembered: RememberedRules; log: Logger }) {}

  /** At start: the settings kept on disk for the paired senior, if any. Never throws. */
  restore(paired: { seniorId?: string; timezone?: string } | null): void {
    if (!paired?.seniorId) return;
    try {
      const stored = this.deps.remembered.load(paired.seniorId);
      if (!stored) return;
      this.latest = { seniorId: paired.seniorId, rules: stored };
      this.apply(paired.seniorId, stored, typeof stored.timezone === 'string' ? undefined : paired.timezone);
      this.deps.log.info({}, 'rule settings from the cloud restored from disk');
    } catch (error) {
      this.deps.log.warn(
        { reason: (error as Error).message },
        'the stored rule settings were not used; the defaults run until the cloud sends them',
      );
    }
  }

  /** The home configuration arrived: its rules, or the last ones heard for the same senior. Throws when refused. */
  fromConfig(home: HomeConfig): void {
    const kept = this.latest?.seniorId === home.seniorId ? this.latest.rules : undefined;
    this.apply(home.seniorId, home.rules ?? kept, home.timezone);
  }

  /** An admin changed the rules (control channel). The home's time zone stays unless they name one. Throws when refused. */
  fromControl(
    rules: Record<string, unknown>,
    seniorId: string | undefined,
    homeTimezone: string | undefined,
  ): void {
    this.apply(
      seniorId,
      rules as RulesConfigInput,
      typeof rules.timezone === 'string' ? undefined : homeTimezone,
    );
  }

  private apply(
    seniorId: string | undefined,
    rules: RulesConfigInput | undefined,
    timezone: string | undefined,
  ) {
    this.deps.detector.setConfig({ ...rules, ...(timezone && { timezone }) });
    if (!seniorId || !rules || JSON.stringify(this.latest) === JSON.stringify({ seniorId, rules })) return;
    this.latest = { seniorId, rules };
    try {
      this.deps.remembered.remember(seniorId, rules);
    } catch (error) {
      this.deps.log.error(
        { err: String(error) },
        'could not keep the rule settings on disk; they apply until a restart',
      );
    }
  }
}

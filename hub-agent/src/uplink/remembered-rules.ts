import type { RulesConfigInput } from '@hearth/shared';
import { z } from 'zod';
import type { SettingsTable } from '../store/hub-state.js';

const SETTING_KEY = 'rules.latest';
const Stored = z.object({ seniorId: z.string(), rules: z.record(z.string(), z.unknown()) });

/**
 * The senior's rule settings as the cloud last sent them, kept on the hub's disk so a hub that
 * restarts without the internet still runs them rather than the defaults.
 */
export class RememberedRules {
  constructor(private readonly settings: SettingsTable) {}

  /**
   * The settings last stored for `seniorId`, or undefined when none were (or they were another
   * senior's: the hub was paired again). @throws with the reason when what is stored cannot be read.
   */
  load(seniorId: string): RulesConfigInput | undefined {
    const raw = this.settings.get(SETTING_KEY);
    if (raw === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error('the stored rule settings are not valid JSON');
    }
    const parsed = Stored.safeParse(json);
    if (!parsed.success) throw new Error('the stored rule settings are in an unexpected shape');
    return parsed.data.seniorId === seniorId ? (parsed.data.rules as RulesConfigInput) : undefined;
  }

  /** Stores settings the detector accepted. @throws when the disk refuses the write. */
  remember(seniorId: string, rules: RulesConfigInput): void {
    this.settings.set(SETTING_KEY, JSON.stringify({ seniorId, rules }));
  }
}

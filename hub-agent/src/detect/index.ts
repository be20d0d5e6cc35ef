import { type FeatureSpec, RulesConfig, type RulesConfigInput, summariseIssues } from '@hearth/shared';
import type { Clock } from '../clock.js';
import type { ModelSource } from './anomaly.js';
import { CooldownGate } from './cooldown.js';
import { EpisodeMemory, EpisodeSnapshot } from './episodes.js';
import { evaluateModel } from './model-rule.js';
import { allRules } from './rules/index.js';
import type { Finding, Rule, RuleContext } from './rules/rule.js';
import type { Detection, Detector, ObservedEvent } from './types.js';
import { SlidingWindow } from './window.js';

export type { AnomalyModel, AnomalyOutput, ModelSource } from './anomaly.js';
export type { Detection, Detector, ObservedEvent } from './types.js';

/** Enough history for the longest look-back any rule or feature needs (wake look-back, model window). */
const RETENTION_MS = 26 * 3600_000;
/** How often the remembered episodes are saved even when unchanged; a restart counts at most this much watched time as unwatched. */
const SAVE_EVERY_MS = 5 * 60_000;

/** Where detection reports what it could not judge; never throws. */
export interface DetectorLog {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** What `createDetector` needs. */
export interface DetectorDeps {
  /** The hub's clock; also marks when observation began (silence before it is not evidence). */
  clock: Clock;
  /** This senior's rule settings as the cloud sent them; any subset, defaults fill the rest. Throws if invalid. */
  config?: RulesConfigInput;
  /** The senior's anomaly model, if any; consulted on every tick. Absent or `null` → rules only. */
  model?: ModelSource;
  log?: DetectorLog;
  /**
   * Where the remembered episodes (start of the stillness, cold spells, alerts raised) are kept
   * across restarts, e.g. the outbox's settings. Read once at creation (an unreadable snapshot is
   * logged and ignored); written on a tick after a change (a failed write is logged). Absent → in
   * memory only.
   */
  memory?: EpisodeStore;
}

/** Durable storage for the detector's remembered episodes, as one JSON string. */
export interface EpisodeStore {
  load(): string | undefined;
  save(snapshot: string): void;
}

/** The hub's detector: the Detector seam plus live reconfiguration. */
export interface HubDetector extends Detector {
  /**
   * Gives the detector recent history from the outbox at start (oldest first), without judging
   * it: no alert is raised for the past. Lets the model score at once after a restart. Silence
   * before the detector was created still does not count as inactivity.
   */
  warmUp(events: readonly ObservedEvent[]): void;
  /** Replaces the rule settings without losing the window. Throws `RulesConfigError` if invalid (old settings stay). */
  setConfig(config: RulesConfigInput): void;
  /** The settings in force. */
  readonly config: RulesConfig;
  /** Duplicates merged by cool-downs since start. */
  readonly merged: number;
}

/** Raised when rule settings fail validation; `message` names each bad setting. */
export class RulesConfigError extends Error {
  readonly code = 'INVALID_RULES_CONFIG';
}

/** History the model needs before its features mean what they meant in training. */
function modelHistoryMs(spec: FeatureSpec): number {
  return (Math.max(spec.windowMinutes, spec.longWindowMinutes) + 60) * 60_000;
}

export function parseRulesConfig(input: RulesConfigInput | undefined): RulesConfig {
  const parsed = RulesConfig.safeParse(input ?? {});
  if (!parsed.success) throw new RulesConfigError(`invalid rules config: ${summariseIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Builds the detector: every hard rule plus the senior's model. `observe` judges the event just
 * committed (pendant, temperature, device faults…); `tick` judges the passage of time
 * (inactivity, bathroom, night door, wake-up, sustained temperature, silent sensors, model score).
 * Call `tick` about once a minute.
 */
export function createDetector(deps: DetectorDeps): HubDetector {
  let config = parseRulesConfig(deps.config);
  const window = new SlidingWindow(deps.clock.now(), RETENTION_MS);
  const gate = new CooldownGate();
  const memory = new EpisodeMemory();
  restoreEpisodes(deps, memory, gate);
  let savedAt = deps.clock.now();
  const rules: readonly Rule[] = allRules;
  /** Start of the current unbroken run of windows the model finds unusual; null when the last was usual. */
  let unusualSince: number | null = null;

  const run = (ctx: RuleContext): Finding[] => {
    const findings: Finding[] = [];
    for (const rule of rules) {
      try {
        findings.push(...rule.evaluate(ctx));
      } catch (err) {
        // A rule that cannot judge stays silent; the others still run.
        deps.log?.warn({ rule: rule.name, err: String(err) }, 'rule failed to evaluate');
      }
    }
    return findings;
  };

  const strip = (f: Finding): Detection => ({
    kind: f.kind,
    severity: f.severity,
    source: f.source,
    message: f.message,
    evidence: f.evidence,
  });

  return {
    async observe(event: ObservedEvent): Promise<Detection[]> {
      const now = Math.max(deps.clock.now(), event.ts);
      window.add(event);
      memory.observe(event, config);
      const raised = gate.admit(run({ window, memory, now, config, trigger: event }), now);
      if (raised.length > 0) memory.dirty = true;
      return raised.map(strip);
    },
    async tick(now: number): Promise<Detection[]> {
      window.trim(now);
      const findings = run({ window, memory, now, config });
      const model = deps.model?.current() ?? null;
      // A model judging a window it has not seen in full would call every restart unusual.
      if (model && now - window.historyFrom >= modelHistoryMs(model.spec)) {
        try {
          const verdict = await evaluateModel(model, { window, memory, now, config }, unusualSince ?? now);
          unusualSince = verdict?.finding ? (unusualSince ?? now) : null;
          if (verdict?.finding) findings.push(verdict.finding);
        } catch (err) {
          deps.log?.warn({ model: model.version, err: String(err) }, 'model failed to score the window');
        }
      }
      const raised = gate.admit(findings, now);
      if (raised.length > 0) memory.dirty = true;
      // Also saved now and then unchanged: `savedAt` tells the next run until when the hub was watching.
      if (memory.dirty || now - savedAt >= SAVE_EVERY_MS) {
        saveEpisodes(deps, memory, gate, now);
        savedAt = now;
      }
      return raised.map(strip);
    },
    warmUp(events: readonly ObservedEvent[]): void {
      for (const event of events) {
        window.add(event);
        memory.observe(event, config);
      }
      // The outbox holds what happened, not whether the hub was running after it: until it started, nothing counts.
      const lastSeen = events.reduce((at, e) => Math.max(at, e.ts), Number.NEGATIVE_INFINITY);
      if (events.length > 0) memory.markUnwatched(lastSeen, window.since);
      window.trim(deps.clock.now());
    },
    setConfig(input: RulesConfigInput): void {
      config = parseRulesConfig(input);
    },
    get config() {
      return config;
    },
    get merged() {
      return gate.merged;
    },
  };
}

function restoreEpisodes(deps: DetectorDeps, memory: EpisodeMemory, gate: CooldownGate): void {
  let text: string | undefined;
  try {
    text = deps.memory?.load();
    if (text === undefined) return;
    const parsed = EpisodeSnapshot.safeParse(JSON.parse(text));
    if (!parsed.success) {
      deps.log?.warn(
        { reason: summariseIssues(parsed.error) },
        'remembered episodes unreadable; starting afresh',
      );
      return;
    }
    memory.restore(parsed.data, deps.clock.now());
    gate.restore(parsed.data);
  } catch (err) {
    deps.log?.warn({ err: String(err) }, 'remembered episodes unreadable; starting afresh');
  }
}

function saveEpisodes(deps: DetectorDeps, memory: EpisodeMemory, gate: CooldownGate, now: number): void {
  if (!deps.memory) return;
  try {
    deps.memory.save(JSON.stringify(memory.snapshot(now, gate.snapshot(now))));
    memory.dirty = false;
  } catch (err) {
    // Detection goes on; only a restart would forget the episodes in progress.
    deps.log?.warn({ err: String(err) }, 'could not keep the remembered episodes on disk');
  }
}

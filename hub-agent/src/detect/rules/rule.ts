import type { RulesConfig } from '@hearth/shared';
import type { EpisodeView } from '../episodes.js';
import type { Detection, ObservedEvent } from '../types.js';
import type { EventWindow } from '../window.js';

/** Everything a rule may look at. Rules are pure: same context, same findings. */
export interface RuleContext {
  readonly window: EventWindow;
  /** Episodes remembered however long ago they began (stillness, cold spells). */
  readonly memory: EpisodeView;
  /** Current time, ms since the epoch (from the hub's Clock). */
  readonly now: number;
  readonly config: RulesConfig;
  /** The event just committed, when the evaluation was caused by one; absent on a periodic tick. */
  readonly trigger?: ObservedEvent;
}

/** A detection plus what the cool-down gate needs to merge duplicates. */
export interface Finding extends Detection {
  /** What the alert is about (a sensor, a room, `home`); cool-downs are per kind and subject. */
  subject: string;
  /** One occurrence of the condition; the same episode is never raised twice. */
  episode: string;
  cooldownMs: number;
}

/** A hard rule: a pure function of the window and the clock. */
export interface Rule {
  readonly name: string;
  evaluate(ctx: RuleContext): Finding[];
}

const MAX_EVIDENCE = 20;

/** The events behind a finding, as evidence a person (and the cloud) can read. */
export function evidenceOf(events: readonly ObservedEvent[]): Record<string, unknown>[] {
  return events.slice(-MAX_EVIDENCE).map((e) => ({
    seq: e.seq,
    ts: new Date(e.ts).toISOString(),
    sensorId: e.sensorId,
    kind: e.kind,
    value: e.value,
    ...(e.room ? { room: e.room } : {}),
  }));
}

export const minutesToMs = (m: number): number => m * 60_000;

/** Human duration for messages: `50 min`, `3 h 5 min`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 60_000);
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

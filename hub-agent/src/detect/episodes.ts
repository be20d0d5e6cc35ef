import { isPersonActivity, ReadingValue, type RulesConfig } from '@hearth/shared';
import { z } from 'zod';
import type { ObservedEvent } from './types.js';

/** Which side of the comfortable range a room's temperature is on. */
export type TemperatureSide = 'cold' | 'hot' | 'ok';

/** A room's current run of readings on one side of the range, and when it began. */
export interface TemperatureSpell {
  side: TemperatureSide;
  /** ms since the epoch of the first reading of the run. */
  since: number;
}

/**
 * What detection remembers however long ago it happened: the start of the current stillness (the
 * latest activity) and of each room's current cold or hot spell. Unlike the sliding window, it
 * does not forget, and it is kept across restarts (see `EpisodeSnapshot`).
 */
export interface EpisodeView {
  /** The latest person activity ever observed: the stillness since then is the current episode. */
  readonly lastActivity: ObservedEvent | undefined;
  /** Per temperature sensor, its current run of readings on one side of the range. */
  readonly spells: ReadonlyMap<string, TemperatureSpell>;
  /**
   * Time during which the hub was not watching (down between a saved snapshot and this start);
   * stillness over that time is not evidence.
   */
  unobservedWithin(from: number, to: number): number;
}

const ObservedEventSchema = z.object({
  seq: z.number().int(),
  ts: z.number(),
  sensorId: z.string(),
  kind: z.string(),
  value: ReadingValue,
  room: z.string().optional(),
});

/** The remembered episodes as kept on disk between runs. */
export const EpisodeSnapshot = z.object({
  version: z.literal(1),
  /** Until when the hub was watching when it saved this (ms since the epoch). */
  savedAt: z.number(),
  lastActivity: ObservedEventSchema.optional(),
  spells: z.array(
    z.tuple([z.string(), z.object({ side: z.enum(['cold', 'hot', 'ok']), since: z.number() })]),
  ),
  /** Alerts already raised: `kind|subject|episode` → when, and the cool-downs in force. */
  raised: z.array(z.tuple([z.string(), z.number()])),
  lastRaised: z.array(z.tuple([z.string(), z.number()])),
});
export type EpisodeSnapshot = z.infer<typeof EpisodeSnapshot>;

export class EpisodeMemory implements EpisodeView {
  lastActivity: ObservedEvent | undefined;
  readonly spells = new Map<string, TemperatureSpell>();
  /** Unwatched stretches [from, to) learned from a restored snapshot. */
  private readonly gaps: [number, number][] = [];
  /** Something changed since the last snapshot. */
  dirty = false;

  /** Takes one committed event into account (events may arrive slightly out of order). */
  observe(event: ObservedEvent, config: RulesConfig): void {
    if (isPersonActivity(event) && (!this.lastActivity || this.lastActivity.ts <= event.ts)) {
      this.lastActivity = event;
      this.dirty = true;
    }
    if (event.kind === 'temperature' && typeof event.value === 'number') {
      const { minC, maxC } = config.temperature;
      const side: TemperatureSide = event.value < minC ? 'cold' : event.value > maxC ? 'hot' : 'ok';
      const current = this.spells.get(event.sensorId);
      if (current?.side !== side) {
        this.spells.set(event.sensorId, { side, since: event.ts });
        this.dirty = true;
      }
    }
  }

  unobservedWithin(from: number, to: number): number {
    let total = 0;
    for (const [a, b] of this.gaps) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
    return total;
  }

  /** Records a stretch the hub did not watch (down, or before it started): stillness there is not evidence. */
  markUnwatched(from: number, to: number): void {
    if (to > from) this.gaps.push([from, to]);
  }

  snapshot(now: number, gate: Pick<EpisodeSnapshot, 'raised' | 'lastRaised'>): EpisodeSnapshot {
    return {
      version: 1,
      savedAt: now,
      ...(this.lastActivity && { lastActivity: this.lastActivity }),
      spells: [...this.spells.entries()],
      ...gate,
    };
  }

  /** Restores a snapshot saved by an earlier run; the time between `savedAt` and `startedAt` was unwatched. */
  restore(snapshot: EpisodeSnapshot, startedAt: number): void {
    const last = snapshot.lastActivity as ObservedEvent | undefined;
    if (last && (!this.lastActivity || this.lastActivity.ts < last.ts)) this.lastActivity = last;
    for (const [sensorId, spell] of snapshot.spells) {
      if (!this.spells.has(sensorId)) this.spells.set(sensorId, spell);
    }
    this.markUnwatched(snapshot.savedAt, startedAt);
  }
}

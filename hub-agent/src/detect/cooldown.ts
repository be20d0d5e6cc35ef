import type { Finding } from './rules/rule.js';

const EPISODE_MEMORY_MS = 48 * 3600_000;

/**
 * Decides which findings become alerts: an episode already raised stays silent, and a new
 * finding of the same kind and subject within the cool-down is merged into the earlier alert
 * (counted, not raised again).
 */
export class CooldownGate {
  private lastRaised = new Map<string, number>();
  private episodes = new Map<string, number>();
  private mergedCount = 0;

  /** Returns the findings that should be raised now, in order. */
  admit(findings: readonly Finding[], now: number): Finding[] {
    const out: Finding[] = [];
    for (const f of findings) {
      const key = `${f.kind}|${f.subject}`;
      const episode = `${key}|${f.episode}`;
      // Still going on: remembered from its latest sighting, so a long episode is never forgotten and raised again.
      if (this.episodes.has(episode)) {
        this.episodes.set(episode, now);
        continue;
      }
      this.episodes.set(episode, now);
      const last = this.lastRaised.get(key);
      if (last !== undefined && now - last < f.cooldownMs) {
        this.mergedCount++;
        continue;
      }
      this.lastRaised.set(key, now);
      out.push(f);
    }
    this.forget(now);
    return out;
  }

  /** The alerts raised and cool-downs in force, to keep across a restart. */
  snapshot(now: number): { raised: [string, number][]; lastRaised: [string, number][] } {
    this.forget(now, true);
    return { raised: [...this.episodes.entries()], lastRaised: [...this.lastRaised.entries()] };
  }

  /** Takes back what an earlier run raised, so an episode still going on is not raised again. */
  restore(state: { raised: [string, number][]; lastRaised: [string, number][] }): void {
    for (const [k, at] of state.raised) if (!this.episodes.has(k)) this.episodes.set(k, at);
    for (const [k, at] of state.lastRaised) if (!this.lastRaised.has(k)) this.lastRaised.set(k, at);
  }

  /** How many duplicates were merged since start (for status and tests). */
  get merged(): number {
    return this.mergedCount;
  }

  private forget(now: number, always = false): void {
    if (!always && this.episodes.size < 512) return;
    for (const [k, at] of this.episodes) if (now - at > EPISODE_MEMORY_MS) this.episodes.delete(k);
  }
}

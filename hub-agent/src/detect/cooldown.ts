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
      if (this.episodes.has(episode)) continue;
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

  /** How many duplicates were merged since start (for status and tests). */
  get merged(): number {
    return this.mergedCount;
  }

  private forget(now: number): void {
    if (this.episodes.size < 512) return;
    for (const [k, at] of this.episodes) if (now - at > EPISODE_MEMORY_MS) this.episodes.delete(k);
  }
}

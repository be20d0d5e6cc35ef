/** How long, how many and how much of what hubs say before their viewer listens is kept. */
export interface EarlySignalLimits {
  /** A signal older than this is dropped (the hub repeats its offer until answered anyway). */
  holdMs: number;
  /** Sessions held at once; the oldest goes first. */
  maxSessions: number;
  /** Signals held per session; later ones are dropped. */
  maxPerSession: number;
  /** Bytes held in all; past it the oldest sessions go. */
  maxBytes: number;
}

export const DEFAULT_EARLY_SIGNAL_LIMITS: EarlySignalLimits = {
  holdMs: 10_000,
  maxSessions: 256,
  maxPerSession: 32,
  maxBytes: 4 * 1024 * 1024,
};

interface Held {
  at: number;
  texts: string[];
  bytes: number;
}

/**
 * What a hub says about a video session before the viewer's subscription reached this instance: the
 * hub answers a session's start with its offer at once when its camera already runs, often before the
 * dashboard that asked has subscribed. Signaling is relayed, not queued; these few seconds are the
 * exception, so the viewer need not wait for the offer to be repeated. Every instance holds what it
 * heard with nobody listening; the one the viewer subscribes on hands it over, the others let it age out.
 */
export class EarlySignals {
  private readonly held = new Map<string, Held>();
  private bytes = 0;

  constructor(
    private readonly now: () => number,
    private readonly limits: EarlySignalLimits = DEFAULT_EARLY_SIGNAL_LIMITS,
  ) {}

  /** Keeps one serialised message for `topic`, nobody being subscribed to it here yet. */
  hold(topic: string, text: string): void {
    this.prune();
    let entry = this.held.get(topic);
    if (!entry) {
      entry = { at: this.now(), texts: [], bytes: 0 };
      this.held.set(topic, entry);
    }
    if (entry.texts.length >= this.limits.maxPerSession) return;
    entry.texts.push(text);
    entry.bytes += text.length;
    this.bytes += text.length;
    while (this.held.size > this.limits.maxSessions || this.bytes > this.limits.maxBytes) this.dropOldest();
  }

  /** Hands over (and forgets) what was held for `topic`, oldest first; empty when nothing or too old. */
  take(topic: string): string[] {
    this.prune();
    const entry = this.held.get(topic);
    if (!entry) return [];
    this.forget(topic, entry);
    return entry.texts;
  }

  /** Sessions held now (for tests and metrics). */
  get size(): number {
    return this.held.size;
  }

  private prune(): void {
    const oldest = this.now() - this.limits.holdMs;
    // A Map iterates in insertion order: the first entry is the oldest.
    for (const [topic, entry] of this.held) {
      if (entry.at > oldest) break;
      this.forget(topic, entry);
    }
  }

  private dropOldest(): void {
    const first = this.held.entries().next();
    if (!first.done) this.forget(first.value[0], first.value[1]);
  }

  private forget(topic: string, entry: Held): void {
    this.held.delete(topic);
    this.bytes -= entry.bytes;
  }
}

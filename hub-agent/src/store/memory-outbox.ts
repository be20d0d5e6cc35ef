import type { AppendOptions, NewOutboxEntry, OutboxEntry, OutboxStats, OutboxStore } from './outbox.js';

/** The outbox held in memory, for unit tests and the demo; forgets everything on exit. */
export class MemoryOutboxStore implements OutboxStore {
  private entries: OutboxEntry[] = [];
  private last = 0;
  private cursor = 0;
  private lastUploadAt: number | null = null;
  private dropped = 0;
  private closed = false;

  constructor(readonly bootId = 'memory-boot') {}

  append(entries: NewOutboxEntry[], options: AppendOptions = {}): OutboxEntry[] {
    this.assertOpen();
    // Nothing is durable here, so "in the same transaction" is simply "before returning".
    options.alongside?.();
    const committed = entries.map((e, i) => ({
      ...structuredClone(e),
      seq: this.last + i + 1,
      bootId: this.bootId,
      clockUnsynced: e.clockUnsynced ?? false,
    }));
    this.entries.push(...committed);
    this.last += committed.length;
    return committed.map((e) => structuredClone(e));
  }

  pending(limit: number, afterSeq = this.cursor): OutboxEntry[] {
    this.assertOpen();
    return this.entries
      .filter((e) => e.seq > afterSeq)
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  pendingAlerts(limit: number, afterSeq = this.cursor): OutboxEntry[] {
    this.assertOpen();
    return this.entries
      .filter((e) => e.seq > afterSeq && e.alert)
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  lastSeq(): number {
    this.assertOpen();
    return this.last;
  }

  ackedThroughSeq(): number {
    this.assertOpen();
    return this.cursor;
  }

  acknowledge(seq: number, at: number): number {
    this.assertOpen();
    this.cursor = Math.max(this.cursor, Math.min(seq, this.last));
    this.lastUploadAt = at;
    return this.cursor;
  }

  stats(): OutboxStats {
    this.assertOpen();
    const backlog = this.entries.filter((e) => e.seq > this.cursor);
    return {
      lastSeq: this.last,
      ackedThroughSeq: this.cursor,
      backlog: backlog.length,
      pendingAlerts: backlog.filter((e) => e.alert).length,
      droppedReadings: this.dropped,
      lastUploadAt: this.lastUploadAt,
    };
  }

  correctUnsyncedTimestamps(correct: (monoMs: number) => number): number {
    this.assertOpen();
    let changed = 0;
    for (const e of this.entries) {
      if (e.clockUnsynced && e.bootId === this.bootId && e.monoMs !== undefined && e.seq > this.cursor) {
        e.ts = Math.round(correct(e.monoMs));
        e.clockUnsynced = false;
        changed++;
      }
    }
    return changed;
  }

  enforceQuota(maxEntries: number): number {
    this.assertOpen();
    let excess = this.entries.length - maxEntries;
    if (excess <= 0) return 0;
    const forget = new Set<OutboxEntry>();
    for (const e of this.entries) {
      if (excess - forget.size <= 0) break;
      if (e.seq <= this.cursor) forget.add(e);
    }
    excess -= forget.size;
    let dropped = 0;
    for (const e of this.entries) {
      if (dropped >= excess) break;
      if (e.seq > this.cursor && !e.alert) {
        forget.add(e);
        dropped++;
      }
    }
    this.entries = this.entries.filter((e) => !forget.has(e));
    this.dropped += dropped;
    return dropped;
  }

  storageBytes(): number {
    this.assertOpen();
    // An estimate: the JSON size of what is held.
    return this.entries.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
  }

  entryCount(): number {
    this.assertOpen();
    return this.entries.length;
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the outbox is closed');
  }
}

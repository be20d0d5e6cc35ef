import type { RecalledFrames } from '@hearth/firmware-bridge';

/**
 * The hub's durable memory of which frames of a serial node it has recorded, so a hub process that
 * restarts does not record again a frame the node resends because it never heard the ack.
 */
export interface DeliveredFrames {
  /** What was noted for the node, or undefined when nothing usable was (never throws). */
  recall(nodeId: string): RecalledFrames | undefined;
  /** Notes durably that a frame of the node's boot was recorded. Throws when the note could not be written. */
  note(nodeId: string, bootId: number, seq: number): void;
}

/** Where the notes live: the outbox's settings, in the same SQLite database as the readings. */
export interface SettingsStore {
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
}

/**
 * A node keeps at most 8 frames unacked, so any frame it resends is among the last few it sent; 32
 * leaves room for hellos and frames recorded while the ack was on its way.
 */
const KEEP = 32;

const keyOf = (nodeId: string) => `serial.delivered.${nodeId}`;

const isSeq = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;

/** Frames noted in the outbox's settings (key `serial.delivered.<nodeId>`): the boot and its last 32 seqs. */
export class SettingsDeliveredFrames implements DeliveredFrames {
  private readonly cache = new Map<string, { bootId: number; seqs: number[] }>();

  /** `onUnreadable` hears about a note that was damaged and ignored (the node's frames then count as new). */
  constructor(
    private readonly settings: SettingsStore,
    private readonly onUnreadable: (nodeId: string, reason: string) => void = () => {},
  ) {}

  recall(nodeId: string): RecalledFrames | undefined {
    const cached = this.cache.get(nodeId);
    if (cached) return { bootId: cached.bootId, seqs: [...cached.seqs] };
    let raw: string | undefined;
    try {
      raw = this.settings.getSetting(keyOf(nodeId));
    } catch (error) {
      this.onUnreadable(nodeId, error instanceof Error ? error.message : String(error));
      return undefined;
    }
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.onUnreadable(nodeId, 'the note is not JSON');
      return undefined;
    }
    const { bootId, seqs } = (parsed ?? {}) as { bootId?: unknown; seqs?: unknown };
    if (!Number.isInteger(bootId) || !Array.isArray(seqs) || !seqs.every(isSeq)) {
      this.onUnreadable(nodeId, 'the note lacks an integer bootId and a list of 16-bit seqs');
      return undefined;
    }
    const found = { bootId: bootId as number, seqs: seqs.slice(-KEEP) };
    this.cache.set(nodeId, found);
    return { bootId: found.bootId, seqs: [...found.seqs] };
  }

  note(nodeId: string, bootId: number, seq: number): void {
    const known = this.cache.get(nodeId) ?? this.recall(nodeId);
    const seqs = known && known.bootId === bootId ? [...known.seqs, seq].slice(-KEEP) : [seq];
    this.settings.setSetting(keyOf(nodeId), JSON.stringify({ bootId, seqs }));
    this.cache.set(nodeId, { bootId, seqs });
  }
}

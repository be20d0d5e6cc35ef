import type { RecalledFrames } from '@hearth/firmware-bridge';
import type { SerialNotesTable } from '../store/hub-state.js';

/**
 * The hub's durable memory of which frames of a serial node it has recorded, so a hub process that
 * restarts does not record again a frame the node resends because it never heard the ack.
 */
export interface DeliveredFrames {
  /** What was noted for the node, or undefined when nothing usable was (never throws). */
  recall(nodeId: string): RecalledFrames | undefined;
  /**
   * Notes durably that a frame of the node's boot was recorded. Called inside the commit of the
   * frame's reading (see `SensorSource` emit's `alongside`), so the two are never apart. Throws
   * when the note could not be written.
   */
  note(nodeId: string, bootId: number, seq: number): void;
}

/**
 * A node keeps at most 8 frames unacked, so any frame it resends is among the last few it sent; 32
 * leaves room for hellos and frames recorded while the ack was on its way.
 */
const KEEP = 32;

/** Frames noted in the hub state's `serial_notes` table: the node's boot and its last 32 seqs. */
export class NotedFrames implements DeliveredFrames {
  private readonly cache = new Map<string, { bootId: number; seqs: number[] }>();

  constructor(private readonly table: SerialNotesTable) {}

  recall(nodeId: string): RecalledFrames | undefined {
    const cached = this.cache.get(nodeId);
    if (cached) return { bootId: cached.bootId, seqs: [...cached.seqs] };
    let found: { bootId: number; seqs: number[] } | undefined;
    try {
      found = this.table.get(nodeId);
    } catch {
      // An unreadable note means the node's frames count as new; the table told its listener why.
      return undefined;
    }
    if (!found) return undefined;
    const kept = { bootId: found.bootId, seqs: found.seqs.slice(-KEEP) };
    this.cache.set(nodeId, kept);
    return { bootId: kept.bootId, seqs: [...kept.seqs] };
  }

  note(nodeId: string, bootId: number, seq: number): void {
    const known = this.cache.get(nodeId) ?? this.recall(nodeId);
    const seqs = known && known.bootId === bootId ? [...known.seqs, seq].slice(-KEEP) : [seq];
    this.table.put(nodeId, { bootId, seqs });
    this.cache.set(nodeId, { bootId, seqs });
  }
}

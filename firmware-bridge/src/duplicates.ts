/** What the hub should do with a reliable frame. */
export type SequenceVerdict =
  /** Not seen before: deliver it, then ack it. */
  | 'new'
  /** Already delivered (the node missed our ack and resent it): ack it again, deliver nothing. */
  | 'duplicate'
  /** Further behind the newest frame than the window remembers: ack it, deliver nothing. */
  | 'stale';

/** What a hub remembered (durably) of a node's boot: the frames it recorded, in the order it recorded them. */
export interface RecalledFrames {
  bootId: number;
  /** Sequence numbers of reliable frames already delivered in that boot, oldest first. */
  seqs: readonly number[];
}

interface NodeWindow {
  bootId: number;
  highest: number | undefined;
  /** seen[seq % size] === seq means that seq was delivered. */
  seen: Int32Array;
}

/**
 * Drops frames a node resends after its ack was lost, per node and per boot, with a sliding window
 * over the 16-bit wrapping sequence numbers (the anti-replay window of RFC 4303 §3.4.3, here over
 * reliable frames). A node holds at most a few unacked frames and sends nothing but its hello until
 * the hello is acked, so every frame it resends lies within the window; a new boot id in a hello
 * starts a fresh window. One filter outlives the connections to a port, so a replugged node whose
 * frames were delivered before the unplug does not deliver them twice. With `recall`, a node the
 * filter meets for the first time starts from what an earlier hub process recorded, so a frame
 * recorded just before a hub restart, whose ack the node never heard, is not delivered again.
 */
export class DuplicateFilter {
  private readonly nodes = new Map<string, NodeWindow>();

  /**
   * `windowSize` sequence numbers behind the newest are remembered (at most 32768). `recall` is asked
   * once per node, at its first hello, for the frames delivered before this filter existed; it must not
   * throw (answer undefined when nothing usable is known).
   */
  constructor(
    private readonly windowSize = 256,
    private readonly recall?: (nodeId: string) => RecalledFrames | undefined,
  ) {
    if (!Number.isInteger(windowSize) || windowSize < 1 || windowSize > 0x8000) {
      throw new RangeError(`windowSize must be an integer 1..32768, got ${windowSize}`);
    }
  }

  /**
   * Records the boot a hello announces. Returns true when it is a boot the filter has not seen for this
   * node (first contact or a restart), in which case the node's window starts empty — unless `recall`
   * knew this very boot, in which case its frames count as delivered and false is returned.
   */
  observeBoot(nodeId: string, bootId: number): boolean {
    let current = this.nodes.get(nodeId);
    if (!current && this.recall) {
      const recalled = this.recall(nodeId);
      if (recalled) {
        this.startWindow(nodeId, recalled.bootId);
        for (const seq of recalled.seqs) this.check(nodeId, seq & 0xffff);
        current = this.nodes.get(nodeId);
      }
    }
    if (current && current.bootId === bootId) return false;
    this.startWindow(nodeId, bootId);
    return true;
  }

  private startWindow(nodeId: string, bootId: number): void {
    this.nodes.set(nodeId, { bootId, highest: undefined, seen: new Int32Array(this.windowSize).fill(-1) });
  }

  /** Judges one reliable frame of a node whose boot was observed, and remembers it when new. */
  check(nodeId: string, seq: number): SequenceVerdict {
    const node = this.nodes.get(nodeId);
    if (!node) throw new Error(`node ${nodeId} has no observed boot; call observeBoot with its hello first`);
    const slot = seq % this.windowSize;
    if (node.highest === undefined) {
      node.highest = seq;
      node.seen[slot] = seq;
      return 'new';
    }
    const ahead = (seq - node.highest) & 0xffff;
    if (ahead === 0) {
      if (node.seen[slot] === seq) return 'duplicate';
      node.seen[slot] = seq; // delivery of the newest frame failed earlier and it was forgotten
      return 'new';
    }
    if (ahead < 0x8000) {
      // Forget what the slots between the old and new highest held: those sequence numbers are unseen.
      for (let i = 1; i <= Math.min(ahead, this.windowSize); i++) {
        node.seen[((node.highest + i) & 0xffff) % this.windowSize] = -1;
      }
      node.highest = seq;
      node.seen[slot] = seq;
      return 'new';
    }
    const behind = (node.highest - seq) & 0xffff;
    if (behind >= this.windowSize) return 'stale';
    if (node.seen[slot] === seq) return 'duplicate';
    node.seen[slot] = seq;
    return 'new';
  }

  /**
   * Forgets one sequence number again, for a frame that was judged new but could not be delivered:
   * the node will resend it and it must then count as new.
   */
  forget(nodeId: string, seq: number): void {
    const node = this.nodes.get(nodeId);
    if (node && node.seen[seq % this.windowSize] === seq) node.seen[seq % this.windowSize] = -1;
  }
}

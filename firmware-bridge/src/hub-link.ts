import type { Duplex } from 'node:stream';
import { DuplicateFilter } from './duplicates.js';
import type { FrameError } from './errors.js';
import { type DecodedFrame, encodeFrame } from './frame.js';
import type { HelloMessage, HubMessage, NodeMessage } from './messages.js';
import { FrameParser } from './parser.js';

/** A new message from a node, delivered once. */
export interface Delivery {
  /** The hello of the node that sent it (the most recent one on this link). */
  node: HelloMessage;
  seq: number;
  message: NodeMessage;
  /** On a hello: true when this boot is new to the hub (first contact or the node restarted). */
  newBoot?: boolean;
}

export interface HubLinkStats {
  delivered: number;
  /** Resent frames recognised and dropped (acked again). */
  duplicates: number;
  /** Frames too far behind the window; acked and dropped. */
  stale: number;
  acksSent: number;
  syncsSent: number;
  /** Frames that arrived before the node said hello on this link; not acked, so the node resends them. */
  beforeHello: number;
  /** Frames that failed to decode. */
  frameErrors: number;
  /** Deliveries the handler refused by throwing; not acked, so the node resends them. */
  handlerFailures: number;
}

export interface HubLinkOptions {
  /** Bytes to and from one node (serial port, socket, one end of a duplex pair). The link never closes it. */
  stream: Duplex;
  /**
   * Called once per new message. Acks are sent only after it returns, so a handler that throws (for
   * example because the reading could not be stored) leaves the frame unacked and the node resends it.
   */
  onMessage(delivery: Delivery): void;
  /** Called for each frame that failed to decode; the link carries on with the next one. */
  onFrameError?(error: FrameError): void;
  /** Called when a delivery handler throws; the frame stays unacked. */
  onHandlerError?(error: unknown, delivery: Delivery): void;
  /** Share one filter across links to the same node (reconnects) so nothing is delivered twice. */
  duplicates?: DuplicateFilter;
  /** Milliseconds clock for pacing `sync` requests; defaults to Date.now. */
  now?: () => number;
  /** Least time between two `sync` requests while the node is unknown. Default 1000 ms. */
  syncIntervalMs?: number;
}

/**
 * The hub's end of the serial session with one node. It decodes frames from the stream, asks an
 * unknown node to introduce itself (`sync`), acknowledges every reliable frame (duplicates too, since
 * their first ack was evidently lost), delivers each new message once, and writes nothing but acks
 * and syncs. It does not own the stream: `stop()` detaches and leaves the stream open.
 */
export class HubLink {
  readonly stats: HubLinkStats = {
    delivered: 0,
    duplicates: 0,
    stale: 0,
    acksSent: 0,
    syncsSent: 0,
    beforeHello: 0,
    frameErrors: 0,
    handlerFailures: 0,
  };
  private readonly parser = new FrameParser();
  private readonly duplicates: DuplicateFilter;
  private readonly now: () => number;
  private current: HelloMessage | undefined;
  private seq = 0;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private started = false;

  constructor(private readonly options: HubLinkOptions) {
    this.duplicates = options.duplicates ?? new DuplicateFilter();
    this.now = options.now ?? Date.now;
  }

  /** The node's latest hello on this link, or undefined until it has said hello. */
  get node(): HelloMessage | undefined {
    return this.current;
  }

  /** Attaches to the stream and asks the node for its hello. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.parser.on('data', (frame: DecodedFrame) => this.receive(frame));
    this.parser.on('frameError', (err: FrameError) => {
      this.stats.frameErrors++;
      this.options.onFrameError?.(err);
    });
    this.options.stream.pipe(this.parser);
    this.requestHello();
  }

  /** Detaches from the stream; safe to call twice. Frames still buffered are dropped (and so unacked). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.options.stream.unpipe(this.parser);
    this.parser.removeAllListeners();
    this.parser.destroy();
  }

  private receive({ seq, message }: DecodedFrame): void {
    if (message.type === 'ack' || message.type === 'sync') return; // a hub's frame echoed back: ignore
    if (message.type === 'hello') {
      const newBoot = this.duplicates.observeBoot(message.nodeId, message.bootId);
      this.current = message;
      this.handleReliable(seq, { node: message, seq, message, newBoot });
      return;
    }
    const node = this.current;
    if (!node) {
      this.stats.beforeHello++;
      this.requestHello();
      return;
    }
    if (message.type === 'heartbeat') {
      // Heartbeats are neither acked nor resent and carry no sequence of their own (§ heartbeat).
      this.deliver({ node, seq, message });
      return;
    }
    this.handleReliable(seq, { node, seq, message });
  }

  private handleReliable(seq: number, delivery: Delivery): void {
    const verdict = this.duplicates.check(delivery.node.nodeId, seq);
    if (verdict === 'new') {
      if (!this.deliver(delivery)) {
        this.duplicates.forget(delivery.node.nodeId, seq);
        return;
      }
    } else {
      this.stats[verdict === 'duplicate' ? 'duplicates' : 'stale']++;
    }
    this.send({ type: 'ack', ackSeq: seq });
    this.stats.acksSent++;
  }

  private deliver(delivery: Delivery): boolean {
    try {
      this.options.onMessage(delivery);
      this.stats.delivered++;
      return true;
    } catch (err) {
      this.stats.handlerFailures++;
      this.options.onHandlerError?.(err, delivery);
      return false;
    }
  }

  private requestHello(): void {
    const now = this.now();
    if (now - this.lastSyncAt < (this.options.syncIntervalMs ?? 1000)) return;
    this.lastSyncAt = now;
    this.send({ type: 'sync' });
    this.stats.syncsSent++;
  }

  private send(message: HubMessage): void {
    const stream = this.options.stream;
    if (!this.started || !stream.writable || stream.destroyed) return;
    // The leading delimiter ends whatever noise the node's receiver may hold, so this frame parses.
    stream.write(Buffer.concat([Buffer.of(0), encodeFrame({ seq: this.seq, message })]));
    this.seq = (this.seq + 1) & 0xffff;
  }
}

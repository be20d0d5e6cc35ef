import { type Bus, BusClosedError, type BusHandler, type BusMessage, deliver } from './bus.js';

/**
 * The bus for one process (embedded mode). Messages are JSON-copied so a subscriber never sees an
 * object the publisher may still change, and delivered on a later tick, as Redis would.
 */
export class InProcessBus implements Bus {
  private readonly channels = new Map<string, Set<BusHandler>>();
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown) => void = () => {}) {}

  async publish(channel: string, message: BusMessage): Promise<void> {
    if (this.closed) throw new BusClosedError();
    const copy = JSON.parse(JSON.stringify(message ?? null)) as BusMessage;
    const handlers = this.channels.get(channel);
    if (!handlers || handlers.size === 0) return;
    const snapshot = [...handlers];
    setImmediate(() => {
      if (!this.closed) deliver(snapshot, copy, channel, this.onHandlerError);
    });
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    if (this.closed) throw new BusClosedError();
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    // Wrap so the same function subscribed twice is two subscriptions, each removable once.
    const entry: BusHandler = (m, c) => handler(m, c);
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
    };
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }
}

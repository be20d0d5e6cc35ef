/** A message on the bus: any JSON value. */
export type BusMessage = unknown;

/** Called for each message on a subscribed channel; a handler that throws is logged, never fatal. */
export type BusHandler = (message: BusMessage, channel: string) => void;

/**
 * The doorbell between API instances: fire-and-forget publish/subscribe. It carries no history;
 * the database is the truth and a client that missed a ring catches up from its cursor.
 */
export interface Bus {
  /**
   * Sends `message` to every subscriber of `channel` on every instance, this one included.
   * @throws when the bus is closed or the transport refuses the message (e.g. Redis is down and
   * its offline queue is off); the caller's data is already committed, so it is safe to log and go on.
   */
  publish(channel: string, message: BusMessage): Promise<void>;
  /**
   * Calls `handler` for every later message on `channel`; resolves once the subscription is live.
   * @returns a function that removes this handler (idempotent).
   */
  subscribe(channel: string, handler: BusHandler): Promise<() => void>;
  /** Stops delivering and releases connections; later publishes throw. */
  close(): Promise<void>;
}

/** Thrown by publish/subscribe after close. */
export class BusClosedError extends Error {
  override name = 'BusClosedError';
  constructor() {
    super('the bus is closed');
  }
}

/** Calls each handler, isolating failures so one bad subscriber cannot starve the others. */
export function deliver(
  handlers: Iterable<BusHandler>,
  message: BusMessage,
  channel: string,
  onError: (err: unknown) => void,
): void {
  for (const handler of handlers) {
    try {
      handler(message, channel);
    } catch (err) {
      onError(err);
    }
  }
}

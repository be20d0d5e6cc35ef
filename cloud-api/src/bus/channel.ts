import { summariseIssues } from '@hearth/shared';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Bus } from './bus.js';

/**
 * A bus channel and the schema of what travels on it. Defined beside the feature that rings it, so
 * the name and the payload cannot drift apart; every receiver validates against the same schema.
 */
export interface Channel<S extends z.ZodType> {
  /** The channel's name on the bus (prefixed per deployment by the Redis bus). */
  readonly name: string;
  /** What a ring must look like; a ring that does not fit is logged and dropped on receipt. */
  readonly schema: S;
}

export function defineChannel<S extends z.ZodType>(name: string, schema: S): Channel<S> {
  return { name, schema };
}

/**
 * Rings `channel` with `payload` (typed by the channel's schema).
 * @throws as `Bus.publish` does: when the bus is closed or the transport refuses the message.
 */
export function ring<S extends z.ZodType>(bus: Bus, channel: Channel<S>, payload: z.input<S>): Promise<void> {
  return bus.publish(channel.name, payload);
}

/**
 * Listens on `channel` and hands `handler` each ring parsed by the channel's schema. A ring that does
 * not parse is logged with the reason and dropped, never cast: one bad publisher (or an instance of
 * an older release) cannot make a receiver act on a shape it does not understand.
 * @returns a function that stops listening (idempotent).
 */
export function listen<S extends z.ZodType>(
  bus: Bus,
  channel: Channel<S>,
  handler: (payload: z.output<S>) => void,
  log: Pick<Logger, 'warn'>,
): Promise<() => void> {
  return bus.subscribe(channel.name, (message) => {
    const parsed = channel.schema.safeParse(message);
    if (!parsed.success) {
      log.warn(
        { channel: channel.name, reason: summariseIssues(parsed.error) },
        'dropped a malformed bus ring',
      );
      return;
    }
    handler(parsed.data);
  });
}

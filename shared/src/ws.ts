import { z } from 'zod';
import { StaffTopic } from './control.js';

export const WsMessageType = z.enum([
  'subscribe',
  'unsubscribe',
  'snapshot',
  'update',
  'ack',
  'error',
  'ping',
  'pong',
  'shutdown',
  'signal',
]);
export type WsMessageType = z.infer<typeof WsMessageType>;

/** Topics a staff dashboard may subscribe to (the contract's `StaffTopic`: ids must be uuids). */
export const WsTopic = StaffTopic;
export type WsTopic = StaffTopic;

/**
 * Every WebSocket message, both ways: `{type, topic, data, id?}` — the envelope only; what each
 * message carries is the contract in `control.ts` (parse with its `parse…` functions).
 */
export const WsEnvelope = z.object({
  type: WsMessageType,
  topic: z.string().max(64).default(''),
  data: z.unknown().optional(),
  id: z.union([z.string().max(64), z.number()]).optional(),
});
export type WsEnvelope = z.infer<typeof WsEnvelope>;

/** Largest message a client may send over a WebSocket. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

import { z } from 'zod';

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

/** Topics a staff dashboard may subscribe to. */
export const WsTopic = z.union([
  z.enum(['alerts', 'seniors', 'hubs', 'safety-checks']),
  z.string().regex(/^senior:[0-9a-f-]{36}$/, 'expected senior:<uuid>'),
  z.string().regex(/^video:[0-9a-f-]{36}$/, 'expected video:<uuid>'),
]);
export type WsTopic = z.infer<typeof WsTopic>;

/** Every WebSocket message, both ways: `{type, topic, data, id?}`. */
export const WsEnvelope = z.object({
  type: WsMessageType,
  topic: z.string().max(64).default(''),
  data: z.unknown().optional(),
  id: z.union([z.string().max(64), z.number()]).optional(),
});
export type WsEnvelope = z.infer<typeof WsEnvelope>;

/** Largest message a client may send over a WebSocket. */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

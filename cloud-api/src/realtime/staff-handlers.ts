import { parseStaffClientMessage, type StaffClientMessage } from '@hearth/shared';
import { MAX_SIGNAL_BYTES } from '../video/video-relay.js';
import type { StaffContext } from './staff-context.js';
import type { StaffSession } from './staff-session.js';
import { subscribe } from './staff-subscribe.js';

type Of<T extends StaffClientMessage['type']> = Extract<StaffClientMessage, { type: T }>;
type Handler<T extends StaffClientMessage['type']> = (
  ctx: StaffContext,
  session: StaffSession,
  message: Of<T>,
) => void | Promise<void>;

const idOf = (m: { id?: string | number | undefined }) => (m.id !== undefined ? { id: m.id } : {});

/** One handler per message a dashboard may send (aedes' `handlers/` in one table). */
const handlers: { [T in StaffClientMessage['type']]: Handler<T> } = {
  ping: (_ctx, session, m) => session.send({ type: 'pong', topic: m.topic, ...idOf(m) }),
  pong: () => {},
  subscribe,
  unsubscribe: (ctx, session, m) => {
    if (session.topics.delete(m.topic)) ctx.registry.leave(m.topic, session);
    session.send({ type: 'ack', topic: m.topic, ...idOf(m) });
  },
  /** SDP/ICE from the dashboard to the hub; only on a video topic this session subscribed to. */
  signal: async (ctx, session, m) => {
    const seniorId = session.topics.get(m.topic)?.seniorId;
    const sessionId = m.topic.slice('video:'.length);
    if (!seniorId) return session.error(m.topic, 'NOT_FOUND', 'subscribe to the video session first', m.id);
    if (JSON.stringify(m.data).length > MAX_SIGNAL_BYTES)
      return session.error(
        m.topic,
        'PAYLOAD_TOO_LARGE',
        `signal data exceeds ${MAX_SIGNAL_BYTES} bytes`,
        m.id,
      );
    await ctx.relayToHub(seniorId, sessionId, m.data);
  },
};

/**
 * Handles one text frame from a dashboard: counts it against the session's rate, parses it with the
 * shared contract, and runs its handler. Never throws: a refusal is answered with a precise `error`
 * echoing the request's id; a failure of the server is logged and answered INTERNAL.
 */
export async function handleStaffMessage(
  ctx: StaffContext,
  session: StaffSession,
  text: string,
): Promise<void> {
  if (!session.admit()) return;
  const parsed = parseStaffClientMessage(text);
  if (!parsed.ok) return session.error(parsed.topic ?? '', parsed.code, parsed.reason, parsed.id);
  const message = parsed.message;
  try {
    await (handlers[message.type] as Handler<typeof message.type>)(ctx, session, message as never);
  } catch (err) {
    ctx.log.error({ err, type: message.type, topic: message.topic }, 'failed to handle a dashboard message');
    session.error(message.topic, 'INTERNAL', 'the server could not handle that message', message.id);
  }
}

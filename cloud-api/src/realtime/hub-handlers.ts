import {
  type AgentUpdateResult,
  type HubUpMessage,
  parseHubUp,
  type SafetyCheck,
  type SafetyCheckReport,
  type VideoSignalData,
} from '@hearth/shared';
import type { Logger } from 'pino';
import type { SafetyCheckRing } from '../safety/safety-check-ring.js';
import type { HubSession } from './hub-session.js';

/** What the hub handlers use; the transport builds it once, a test builds it from fakes. */
export interface HubContext {
  /**
   * Records a hop of a check of the hub's own senior.
   * @returns the check and whether the hop changed it (not when the check was already closed), or
   * undefined when the senior has no such check.
   */
  reportCheck: (
    seniorId: string,
    report: SafetyCheckReport,
  ) => Promise<{ check: SafetyCheck; changed: boolean } | undefined>;
  /** Tells the dashboards about the change (and raises the alert a failed check needs). Never throws. */
  checkChanged(ring: SafetyCheckRing): Promise<void>;
  /** Relays a hub's signal to the dashboard of the session. @returns false when it is not this hub's session. */
  relayFromHub(hub: { seniorId: string }, sessionId: string, data: VideoSignalData): Promise<boolean>;
  /** Over-the-air releases; absent, an update result is only logged and acknowledged. */
  releases?: ReleaseHooks | undefined;
  /** Stores the agent version the hub said hello with. @throws when storage fails (logged by the caller). */
  recordHello(hub: { hubId: string }, agentVersion: string | undefined): Promise<void>;
  log: Logger;
}

/** What the control channel tells the releases feature. */
export interface ReleaseHooks {
  /** The hub said hello with its agent version: offer it a release it missed. Never throws. */
  hello(session: HubSession): Promise<void>;
  /** An offer went down a socket of this instance to the hub. Never throws. */
  offered(hubId: string, version: string): void;
  /** Records what became of a release. @throws when it could not (the hub is not acknowledged and retries). */
  result(session: HubSession, result: AgentUpdateResult): Promise<void>;
}

type Of<T extends HubUpMessage['type']> = Extract<HubUpMessage, { type: T }>;
type Handler<M> = (ctx: HubContext, session: HubSession, message: M) => void | Promise<void>;
const idOf = (m: { id?: string | number | undefined }) => (m.id !== undefined ? { id: m.id } : {});

/** `update` on each topic a hub may report on. */
const updates: { [P in Of<'update'>['topic']]: Handler<Extract<Of<'update'>, { topic: P }>> } = {
  hello: async (ctx, session, m) => {
    session.protocol = m.data.protocol;
    session.agentVersion = m.data.agentVersion;
    ctx.log.info(
      { hubId: session.hubId, protocol: m.data.protocol, agentVersion: m.data.agentVersion },
      'hub said hello',
    );
    await ctx.recordHello(session, m.data.agentVersion);
    // Not awaited: the catch-up offer goes out on its own; `hello` never throws.
    void ctx.releases?.hello(session);
  },
  'safety-checks': async (ctx, session, m) => {
    // Only a check for this hub's own senior can be reported on.
    const reported = await ctx.reportCheck(session.seniorId, m.data);
    if (!reported) return session.error(m.topic, 'NOT_FOUND', 'safety check not found', m.id);
    // A late hop of a closed check is received (so the hub stops resending) but changes nothing.
    if (reported.changed) await ctx.checkChanged({ check: reported.check });
    else
      ctx.log.info(
        { checkId: reported.check.id, status: m.data.status, closedAs: reported.check.status },
        'a hop came after the safety check closed',
      );
    session.send({ type: 'ack', topic: m.topic, ...idOf(m) });
  },
  release: async (ctx, session, m) => {
    ctx.log.info({ hubId: session.hubId, ...m.data }, 'hub reported an agent update');
    // Acknowledged only once recorded: the hub keeps the result until then.
    await ctx.releases?.result(session, m.data);
    session.send({ type: 'ack', topic: m.topic, ...idOf(m) });
  },
};

/** One handler per message a hub may send. */
const handlers: { [T in HubUpMessage['type']]: Handler<Of<T>> } = {
  update: (ctx, session, m) => (updates[m.topic] as Handler<typeof m>)(ctx, session, m),
  signal: async (ctx, session, m) => {
    const sessionId = m.topic.slice('video:'.length);
    if (!(await ctx.relayFromHub(session, sessionId, m.data)))
      session.error(m.topic, 'NOT_FOUND', 'video session not found', m.id);
  },
  ping: (_ctx, session, m) => session.send({ type: 'pong', topic: m.topic, ...idOf(m) }),
  pong: () => {},
  ack: () => {},
  error: (ctx, session, m) =>
    ctx.log.warn({ hubId: session.hubId, topic: m.topic, ...m.data }, 'the hub refused a message'),
};

/**
 * Handles one text frame from a hub: parses it with the shared contract and runs its handler. Never
 * throws: a message it cannot read or does not handle is answered with a precise `error` (the hub logs
 * it and goes on); a failure of the server is logged.
 */
export async function handleHubMessage(ctx: HubContext, session: HubSession, text: string): Promise<void> {
  const parsed = parseHubUp(text);
  if (!parsed.ok) return session.error(parsed.topic ?? '', parsed.code, parsed.reason, parsed.id);
  const m = parsed.message;
  try {
    await (handlers[m.type] as Handler<typeof m>)(ctx, session, m);
  } catch (err) {
    ctx.log.error({ err, hubId: session.hubId, type: m.type, topic: m.topic }, 'hub message failed');
    session.error(m.topic, 'INTERNAL', 'the cloud could not handle that message', m.id);
  }
}

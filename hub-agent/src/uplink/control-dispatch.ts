import {
  CONTROL_PROTOCOL_VERSION,
  type HubDownMessage,
  type HubUpMessage,
  type Parsed,
} from '@hearth/shared';
import type { Logger } from 'pino';
import type { ControlHandlers } from './control-channel.js';

export interface DispatchDeps {
  handlers: ControlHandlers;
  log: Logger;
  /** Sends a message up; false when the channel is down. */
  send: (message: HubUpMessage) => boolean;
  /** The cloud's hello arrived: the link is proven, failures are forgotten. */
  helloHeard: () => void;
  /** Said in the hub's hello. */
  agentVersion?: string;
}

/**
 * Hands one message from the cloud, read with the shared contract, to its handler. A handler that
 * throws is logged; a message this hub does not understand is ignored with the reason (a newer
 * cloud may say more than this hub knows). Nothing here can close the channel.
 */
export function dispatchDown(parsed: Parsed<HubDownMessage>, deps: DispatchDeps): void {
  const { handlers, log, send } = deps;
  if (!parsed.ok) {
    // Never fatal: a newer cloud may say things this hub does not know yet.
    log.warn({ reason: parsed.reason, unknown: parsed.unknown }, 'ignored a control message');
    return;
  }
  const guard = (what: string, run: () => void | Promise<void>) => {
    try {
      Promise.resolve(run()).catch((error: unknown) =>
        log.error({ err: String(error), what }, 'a control message could not be handled'),
      );
    } catch (error) {
      log.error({ err: String(error), what }, 'a control message could not be handled');
    }
  };
  const message = parsed.message;
  switch (message.type) {
    case 'ack':
      if (message.topic !== 'hello') return; // a receipt: nothing to do
      deps.helloHeard();
      log.info({ hubId: message.data.hubId, protocol: message.data.protocol }, 'control channel connected');
      // A cloud of the first version has no use for the hub's hello (it would answer an error).
      if (message.data.protocol >= 2)
        send({
          type: 'update',
          topic: 'hello',
          data: {
            protocol: CONTROL_PROTOCOL_VERSION,
            ...(deps.agentVersion !== undefined && { agentVersion: deps.agentVersion }),
          },
        });
      guard('hello', () => handlers.connected?.(message.data));
      return;
    case 'update':
      switch (message.topic) {
        case 'alerts':
          guard('alert', () => handlers.alertChanged(message.data));
          return;
        case 'model':
          guard('model', () => handlers.modelAvailable(message.data));
          return;
        case 'rules':
          guard('rules', () => handlers.rulesChanged(message.data));
          return;
        case 'safety-checks':
          guard('safety-check', () =>
            handlers.safetyCheckRequested(message.data, (update) =>
              send({ type: 'update', topic: 'safety-checks', data: update }),
            ),
          );
          return;
        default:
          log.warn(
            { reason: `this hub does not handle update on ${message.topic} yet` },
            'ignored a control message',
          );
          return;
      }
    case 'ping':
      send({ type: 'pong', topic: '', ...(message.id !== undefined && { id: message.id }) });
      return;
    case 'pong':
      return;
    case 'error':
      log.warn(
        { topic: message.topic, code: message.data.code, reason: message.data.message },
        'the cloud refused a message',
      );
      return;
    case 'shutdown':
      log.info(
        { reason: message.data?.reason ?? null },
        'the cloud is restarting; the control channel will reconnect',
      );
      return;
    case 'signal':
      if (handlers.videoSignal) guard('signal', () => handlers.videoSignal?.(message.topic, message.data));
      else log.warn({ reason: 'this hub has no video', topic: message.topic }, 'ignored a control message');
      return;
  }
}

import type { HubDownMessage } from '@hearth/shared';
import type { MessagePort } from './message-port.js';

/** Close code telling a hub its key stopped working (revoked or rotated); it must not retry with it. */
export const CLOSE_HUB_KEY_INVALID = 4001;

/**
 * One hub's control channel as the cloud sees it: which hub, for which senior, and the port it
 * writes to (a socket in production, an array in tests). It does not own the port.
 */
export class HubSession {
  /** Cleared at each ping, set by any sign of life; a session still clear at the next ping is dropped. */
  alive = true;
  /** The hub's protocol version: 1 until it says otherwise in its hello. */
  protocol = 1;
  /** The agent version the hub announced, if it did. */
  agentVersion: string | undefined;

  constructor(
    readonly hubId: string,
    readonly seniorId: string,
    readonly port: MessagePort,
  ) {}

  /** Sends one message of the control contract; dropped when the port is closed. */
  send(message: HubDownMessage): void {
    if (this.port.open) this.port.send(JSON.stringify(message));
  }

  /** An `error` answer echoing the request's topic and id. */
  error(topic: string, code: string, message: string, id?: string | number): void {
    this.send({ type: 'error', topic, data: { code, message }, ...(id !== undefined && { id }) });
  }
}

import type { WsEnvelope } from '@hearth/shared';
import type { Bus } from './bus.js';

/** Bus channel carrying messages for hubs, delivered by whichever instance holds the hub's socket. */
export const HUB_COMMANDS_CHANNEL = 'hub-commands';

/** A message for one hub, or for every hub of one senior; `disconnect` closes the socket instead. */
export interface HubCommand {
  hubId?: string;
  seniorId?: string;
  message?: WsEnvelope;
  /** Close the hub's control socket (it was revoked or its key rotated). */
  disconnect?: boolean;
}

/**
 * Sends a message down the control channel of a hub (or of every hub of a senior), across instances.
 * Fire-and-forget: a hub that is offline misses it and catches up when it reconnects (e.g. by
 * asking `GET /api/v1/hub/config` or `/hub/model`).
 * @throws when the bus refuses the message.
 */
export function sendToHub(bus: Bus, command: HubCommand): Promise<void> {
  return bus.publish(HUB_COMMANDS_CHANNEL, command);
}

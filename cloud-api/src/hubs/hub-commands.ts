import { HubDownMessage } from '@hearth/shared';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { defineChannel, ring } from '../bus/channel.js';

/** A message for one hub, a list of hubs, or every hub of one senior; `disconnect` closes the socket instead. */
export const HubCommand = z.object({
  hubId: z.uuid().optional(),
  /** Several hubs at once (e.g. every hub a rollout reaches), so a large fleet is a few rings, not one per hub. */
  hubIds: z.array(z.uuid()).max(1000).optional(),
  seniorId: z.uuid().optional(),
  /** A message of the control contract, sent down as is. */
  message: HubDownMessage.optional(),
  /** Close the hub's control socket (it was revoked or its key rotated). */
  disconnect: z.boolean().optional(),
});
export type HubCommand = z.input<typeof HubCommand>;
/** A command as a receiver holds it, after parsing (defaults filled in). */
export type ParsedHubCommand = z.output<typeof HubCommand>;

/** Bus channel carrying messages for hubs, delivered by whichever instance holds the hub's socket. */
export const HUB_COMMANDS = defineChannel('hub-commands', HubCommand);
export const HUB_COMMANDS_CHANNEL = HUB_COMMANDS.name;

/**
 * Sends a message down the control channel of a hub (or of every hub of a senior), across instances.
 * Fire-and-forget: a hub that is offline misses it and catches up when it reconnects (e.g. by
 * asking `GET /api/v1/hub/config` or `/hub/model`).
 * @throws when the bus refuses the message.
 */
export function sendToHub(bus: Bus, command: HubCommand): Promise<void> {
  return ring(bus, HUB_COMMANDS, command);
}

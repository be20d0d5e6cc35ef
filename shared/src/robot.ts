import { z } from 'zod';

/**
 * The robot protocol over MQTT (DESIGN "Robot over MQTT"). Every topic sits under
 * `hearth/robot/<robotId>/`; the hub publishes `cmd`, the robot publishes the rest.
 */
export const ROBOT_TOPIC_PREFIX = 'hearth/robot/';

/**
 * A robot's id. It becomes a topic level and an MQTT client id, so it may not carry `/`, the
 * wildcards `+` `#`, NUL or spaces; 48 characters at most, so `robot:<id>` fits a sensor id.
 */
export const RobotId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/,
    'letters, digits, - and _ only (1-48, starting with a letter or digit)',
  );
export type RobotId = z.infer<typeof RobotId>;

/** What a robot publishes (`status`, `ack`, `progress`, `result`) and what it receives (`cmd`). */
export const RobotChannel = z.enum(['cmd', 'status', 'ack', 'progress', 'result']);
export type RobotChannel = z.infer<typeof RobotChannel>;

const Room = z.string().min(1).max(64);
const CommandId = z.string().min(1).max(64);
const Instant = z.iso.datetime({ offset: true });

export const RobotCommandType = z.enum(['safety_check', 'go_to', 'dock', 'speak']);
export type RobotCommandType = z.infer<typeof RobotCommandType>;

/**
 * `hearth/robot/<id>/cmd`, QoS 1. The robot ignores a command past its `deadline` and executes a
 * repeated `id` once (QoS 1 may deliver it twice, and the hub resends unacknowledged ones).
 */
export const RobotCommand = z
  .object({
    id: CommandId,
    type: RobotCommandType,
    room: Room.optional(),
    text: z.string().min(1).max(500).optional(),
    issuedAt: Instant,
    deadline: Instant,
  })
  .refine((c) => c.type !== 'speak' || c.text !== undefined, {
    message: 'a speak command needs text',
    path: ['text'],
  })
  .refine((c) => c.type !== 'go_to' || c.room !== undefined, {
    message: 'a go_to command needs a room',
    path: ['room'],
  });
export type RobotCommand = z.infer<typeof RobotCommand>;

/** `hearth/robot/<id>/ack`: the robot took the command on, or says why not. */
export const RobotAck = z.object({
  id: CommandId,
  accepted: z.boolean(),
  reason: z.string().min(1).max(200).optional(),
});
export type RobotAck = z.infer<typeof RobotAck>;

export const RobotProgressState = z.enum(['moving', 'arrived', 'checking']);

/** `hearth/robot/<id>/progress`: where the robot is in carrying out a command. */
export const RobotProgress = z.object({
  id: CommandId,
  state: RobotProgressState,
  room: Room.optional(),
});
export type RobotProgress = z.infer<typeof RobotProgress>;

export const RobotOutcome = z.enum(['ok', 'no_response', 'needs_help', 'not_found', 'failed']);
export type RobotOutcome = z.infer<typeof RobotOutcome>;

/** `hearth/robot/<id>/result`: how the command ended. */
export const RobotResult = z.object({
  id: CommandId,
  outcome: RobotOutcome,
  detail: z.string().max(500).optional(),
  at: Instant,
});
export type RobotResult = z.infer<typeof RobotResult>;

export const RobotState = z.enum(['online', 'busy', 'docked', 'charging', 'offline']);
export type RobotState = z.infer<typeof RobotState>;

/**
 * `hearth/robot/<id>/status`, retained; the robot's last will is this with `state: 'offline'`.
 * `room` is null while the robot does not know where it is.
 */
export const RobotStatus = z.object({
  state: RobotState,
  battery: z.number().min(0).max(100),
  room: Room.nullable(),
  at: Instant,
});
export type RobotStatus = z.infer<typeof RobotStatus>;

/** The topic of one robot's channel. */
export function robotTopic(robotId: string, channel: RobotChannel): string {
  return `${ROBOT_TOPIC_PREFIX}${robotId}/${channel}`;
}

/** Splits a robot topic into its robot and channel; null for any other topic. */
export function parseRobotTopic(topic: string): { robotId: RobotId; channel: RobotChannel } | null {
  if (!topic.startsWith(ROBOT_TOPIC_PREFIX)) return null;
  const parts = topic.slice(ROBOT_TOPIC_PREFIX.length).split('/');
  if (parts.length !== 2) return null;
  const id = RobotId.safeParse(parts[0]);
  const channel = RobotChannel.safeParse(parts[1]);
  return id.success && channel.success ? { robotId: id.data, channel: channel.data } : null;
}

/** Who asked for a command: a rule on the hub (for an alert) or a staff member through the cloud. */
export const RobotRequester = z.discriminatedUnion('by', [
  z.object({ by: z.literal('hub'), alertId: z.uuid().optional() }),
  z.object({
    by: z.literal('staff'),
    staffId: z.string().min(1).max(64),
    checkId: z.string().min(1).max(64),
  }),
]);
export type RobotRequester = z.infer<typeof RobotRequester>;

const hop = { robotId: RobotId, commandId: CommandId, requestedBy: RobotRequester };

/**
 * What the hub uploads about a robot command (an event of kind `robot`): sent, then the robot's
 * ack, progress and result, or expired / cancelled.
 */
export const RobotEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sent'), ...hop, command: RobotCommand }),
  z.object({ type: z.literal('ack'), ...hop, ack: RobotAck }),
  z.object({ type: z.literal('progress'), ...hop, progress: RobotProgress }),
  z.object({ type: z.literal('result'), ...hop, result: RobotResult }),
  /** `expired`: its deadline passed unanswered; `cancelled`: the hub stopped it (a person took over). */
  z.object({ type: z.enum(['expired', 'cancelled']), ...hop, reason: z.string().min(1).max(200) }),
]);
export type RobotEvent = z.infer<typeof RobotEvent>;

import {
  parseRobotTopic,
  RobotAck,
  type RobotCommand,
  RobotProgress,
  RobotResult,
  RobotStatus,
  summariseIssues,
} from '@hearth/shared';

/** A message a robot published, parsed against the protocol in `shared`. */
export type RobotMessage =
  | { robotId: string; channel: 'status'; status: RobotStatus }
  | { robotId: string; channel: 'ack'; ack: RobotAck }
  | { robotId: string; channel: 'progress'; progress: RobotProgress }
  | { robotId: string; channel: 'result'; result: RobotResult };

/** Why a send failed: the broker is unreachable right now, or it refused the command. */
export class RobotLinkError extends Error {
  constructor(
    message: string,
    readonly code: 'LINK_DOWN' | 'REFUSED',
  ) {
    super(message);
  }
}

/**
 * The hub's side of the robot protocol: commands down, everything the robots publish up. The
 * MQTT implementation talks to the hub's own broker or to an external one; the fake is for unit
 * tests. Listeners are called in arrival order and must not throw.
 */
export interface RobotLink {
  /** Starts connecting; keeps reconnecting until stopped. Resolves without waiting for the broker. */
  start(): Promise<void>;
  /** Disconnects; pending sends reject with LINK_DOWN. Safe to call twice. */
  stop(): Promise<void>;
  /** True while connected to the broker. */
  isConnected(): boolean;
  /**
   * Publishes `command` (QoS 1) on the robot's `cmd` topic. Resolves once the broker has taken it
   * (PUBACK), not when the robot has: that is the robot's ack. Rejects with RobotLinkError
   * LINK_DOWN when not connected (the caller resends on reconnect) or REFUSED.
   */
  send(robotId: string, command: RobotCommand): Promise<void>;
  /** Every protocol-valid message robots publish. Returns the removal. */
  onMessage(listener: (message: RobotMessage) => void): () => void;
  /** A message on a robot topic that broke the protocol, with the reason (never silently dropped). */
  onInvalid(listener: (topic: string, reason: string) => void): () => void;
  /** Called with true on every (re)connection and false on every loss. */
  onConnection(listener: (connected: boolean) => void): () => void;
}

/** Parses what arrived on `topic`; a string says why it is not a robot message. */
export function parseRobotMessage(topic: string, payload: Buffer | string): RobotMessage | string {
  const where = parseRobotTopic(topic);
  if (!where || where.channel === 'cmd') return 'not a topic robots publish on';
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return 'the payload is not JSON';
  }
  const { robotId, channel } = where;
  const schema = { status: RobotStatus, ack: RobotAck, progress: RobotProgress, result: RobotResult }[
    channel
  ];
  const parsed = schema.safeParse(json);
  if (!parsed.success) return `${channel}: ${summariseIssues(parsed.error)}`;
  return { robotId, channel, [channel]: parsed.data } as RobotMessage;
}

/** Listener sets with error isolation, shared by the implementations. */
export class LinkListeners {
  readonly message = new Set<(message: RobotMessage) => void>();
  readonly invalid = new Set<(topic: string, reason: string) => void>();
  readonly connection = new Set<(connected: boolean) => void>();

  add<T>(set: Set<T>, listener: T): () => void {
    set.add(listener);
    return () => set.delete(listener);
  }

  deliver(topic: string, payload: Buffer | string): void {
    const parsed = parseRobotMessage(topic, payload);
    if (typeof parsed === 'string') for (const l of this.invalid) l(topic, parsed);
    else for (const l of this.message) l(parsed);
  }

  connected(up: boolean): void {
    for (const l of this.connection) l(up);
  }
}

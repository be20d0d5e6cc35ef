import { parseRobotTopic, RobotId, robotTopic } from '@hearth/shared';
import type { Logger } from 'pino';
import { HUB_USERNAME } from '../store/credentials.js';

/** What aedes tells the hooks about a client; `id` is the client id from CONNECT. */
interface ClientLike {
  id: string;
}
interface ConnectPacket {
  clientId?: string;
  username?: string;
  will?: { topic?: string } | null;
}
interface PublishLike {
  topic: string;
  clientId?: string;
}
interface SubscriptionLike {
  topic: string;
  qos: number;
}

/** CONNACK return codes (MQTT 3.1.1, 3.2.2.3). */
const IDENTIFIER_REJECTED = 2;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

const refusal = (message: string, returnCode: number) => Object.assign(new Error(message), { returnCode });

/** Checks credentials; the robot registry in the hub's state store in production. */
export interface CredentialCheck {
  verify(username: string, password: string): Promise<boolean>;
}

/** A topic as it may appear in a log line: short, no control characters. */
const shown = (value: unknown) => JSON.stringify(String(value).slice(0, 80));

/** Publishable by a robot: its own status, ack, progress and result. */
const ROBOT_PUBLISHES = new Set(['status', 'ack', 'progress', 'result']);

/** Who a connected client is, decided once at CONNECT. */
type Identity = { role: 'hub' } | { role: 'robot'; robotId: string };

/**
 * The broker's authentication and ACL. Every client must present credentials: the hub (user
 * `hearth-hub`, client id `hearth-hub` or `hearth-hub-…`) or a paired robot whose client id is its
 * robot id (or `<robotId>:<tag>`). A robot may publish only `hearth/robot/<its id>/{status,ack,progress,result}` and
 * subscribe only to `hearth/robot/<its id>/cmd`; the hub may publish any robot's `cmd` and subscribe
 * to what robots publish. `$`-topics (aedes' `$SYS` guard), wildcards in a publish and anything
 * else are refused. A client whose will names a topic it could not publish is refused at CONNECT,
 * so no will of a refused client is ever stored, let alone published.
 */
export class BrokerAccess {
  private readonly identities = new WeakMap<object, Identity>();
  private readonly wills = new WeakMap<object, string | undefined>();

  constructor(private readonly deps: { credentials: CredentialCheck; log: Logger }) {}

  /** aedes `preConnect`: remembers the will topic, which `authenticate` is not given. */
  readonly preConnect = (
    client: ClientLike,
    packet: ConnectPacket,
    done: (e: Error | null, ok: boolean) => void,
  ) => {
    this.wills.set(client, packet.will ? String(packet.will.topic) : undefined);
    done(null, true);
  };

  /** aedes `authenticate`. */
  readonly authenticate = (
    client: ClientLike,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: Error | null, ok?: boolean) => void,
  ) => {
    const refuse = (reason: string, code: number) => {
      this.deps.log.warn(
        { clientId: shown(client.id), username: shown(username), reason },
        'robot broker refused a connection',
      );
      done(refusal(reason, code), false);
    };
    const identity = identify(client.id, username);
    if (typeof identity === 'string') return refuse(identity, IDENTIFIER_REJECTED);
    if (password === undefined) return refuse('no password', BAD_CREDENTIALS);
    const willTopic = this.wills.get(client);
    if (willTopic !== undefined && !mayPublish(identity, willTopic))
      return refuse(`its will names a topic it may not publish: ${shown(willTopic)}`, NOT_AUTHORIZED);
    this.deps.credentials
      .verify(username as string, password.toString('utf8'))
      .then((ok) => {
        if (!ok) return refuse('wrong password or unknown robot', BAD_CREDENTIALS);
        this.identities.set(client, identity);
        done(null, true);
      })
      .catch((error) =>
        refuse(`credentials could not be checked: ${(error as Error).message}`, BAD_CREDENTIALS),
      );
  };

  /** aedes `authorizePublish`, also asked for wills (then `client` may be null: the will names its client). */
  readonly authorizePublish = (
    client: ClientLike | null,
    packet: PublishLike,
    done: (e: Error | null) => void,
  ) => {
    // aedes' own guard, kept: `$SYS/…` is the broker's (and `$` topics are never a client's, MQTT-4.7.2-1).
    if (packet.topic.startsWith('$'))
      return done(new Error(`${packet.topic.slice(0, 5)} topics are reserved`));
    const identity = client ? this.identities.get(client) : willIdentity(packet.clientId);
    if (!identity || !mayPublish(identity, packet.topic)) {
      this.deps.log.warn(
        { clientId: shown(client?.id ?? packet.clientId), topic: shown(packet.topic) },
        'robot broker refused a publish',
      );
      return done(new Error('not authorised to publish to this topic'));
    }
    done(null);
  };

  /** aedes `authorizeSubscribe`: a refused subscription is answered with a failure code (0x80), not a disconnect. */
  readonly authorizeSubscribe = (
    client: ClientLike,
    sub: SubscriptionLike,
    done: (e: Error | null, sub: SubscriptionLike | null) => void,
  ) => {
    const identity = this.identities.get(client);
    if (!identity || !maySubscribe(identity, sub.topic)) {
      this.deps.log.warn(
        { clientId: shown(client.id), topic: shown(sub.topic) },
        'robot broker refused a subscription',
      );
      return done(null, null);
    }
    done(null, sub);
  };
}

/**
 * The robot a client id belongs to: the robot id itself, or `<robotId>:<tag>` for extra
 * connections of the same robot (a tool such as mosquitto_sub beside the robot's own client).
 * `:` is not allowed in robot ids, so one robot can never take another's client id.
 */
export function robotIdOfClient(clientId: string): string | null {
  const [robotId, tag, ...rest] = clientId.split(':');
  if (rest.length > 0 || (tag !== undefined && !/^[A-Za-z0-9_-]{1,16}$/.test(tag))) return null;
  return RobotId.safeParse(robotId).success ? (robotId as string) : null;
}

/** Who a client claims to be, or why that claim is refused before its password is checked. */
function identify(clientId: unknown, username: unknown): Identity | string {
  if (typeof username !== 'string' || username.length === 0) return 'no username';
  if (typeof clientId !== 'string') return 'no client id';
  if (username === HUB_USERNAME) {
    return clientId === HUB_USERNAME || /^hearth-hub-[A-Za-z0-9_-]{1,40}$/.test(clientId)
      ? { role: 'hub' }
      : 'the hub must use a hearth-hub client id';
  }
  if (!RobotId.safeParse(username).success) return 'the username is not a robot id';
  if (robotIdOfClient(clientId) !== username)
    return 'a robot must use its robot id (or <id>:<tag>) as client id';
  return { role: 'robot', robotId: username };
}

/** A will from persistence names its client; only a robot's will is ever published. */
function willIdentity(clientId: string | undefined): Identity | undefined {
  const robotId = clientId === undefined ? null : robotIdOfClient(clientId);
  return robotId !== null && robotId !== HUB_USERNAME ? { role: 'robot', robotId } : undefined;
}

function mayPublish(identity: Identity, topic: string): boolean {
  const parsed = parseRobotTopic(topic);
  if (!parsed || topic !== robotTopic(parsed.robotId, parsed.channel)) return false;
  if (identity.role === 'hub') return parsed.channel === 'cmd';
  return parsed.robotId === identity.robotId && ROBOT_PUBLISHES.has(parsed.channel);
}

function maySubscribe(identity: Identity, topic: string): boolean {
  if (identity.role === 'robot') return topic === robotTopic(identity.robotId, 'cmd');
  const match = /^hearth\/robot\/([^/]+)\/(status|ack|progress|result)$/.exec(topic);
  return match !== null && (match[1] === '+' || RobotId.safeParse(match[1]).success);
}

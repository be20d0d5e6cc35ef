import { randomUUID } from 'node:crypto';
import { robotTopic } from '@hearth/shared';
import mqtt, { type MqttClient } from 'mqtt';

// Mosquitto's dynamic-security plugin (mosquitto 2.0+, `mosquitto_dynamic_security.so`): clients,
// roles and ACLs are managed at run time by publishing JSON commands to its control topic; every
// command may carry `correlationData`, echoed in its response.
const CONTROL = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${CONTROL}/response`;

/** What a robot may do on the broker, the same as the hub broker's own ACL (`access.ts`). */
const ROBOT_PUBLISHES = ['status', 'ack', 'progress', 'result'] as const;

/** Why the broker did not do what was asked; `code` says whether it could be reached at all. */
export class BrokerAccountError extends Error {
  constructor(
    message: string,
    readonly code: 'BROKER_UNREACHABLE' | 'BROKER_REFUSED',
  ) {
    super(message);
  }
}

/**
 * Robot logins kept on an external broker besides the hub's registry, so pairing and revoking
 * act on the broker the robots actually use.
 */
export interface BrokerAccounts {
  /** Creates the robot's login with its own ACL. @throws BrokerAccountError (an existing login is refused). */
  create(robotId: string, password: string): Promise<void>;
  /**
   * Deletes the robot's login and disconnects every session using it, at once. Resolves also when
   * the broker had no such login. @throws BrokerAccountError when the broker is unreachable.
   */
  revoke(robotId: string): Promise<void>;
  /** Closes the admin connection. */
  close(): Promise<void>;
}

export interface DynamicSecurityOptions {
  /** `mqtt://host:port` or `mqtts://…` of the Mosquitto with the plugin loaded. */
  url: string;
  /** A login with the plugin's admin role (`mosquitto_ctrl dynsec init` creates one). */
  username: string;
  password: string;
  ca?: Buffer;
  /** How long to wait for the broker to connect and to answer a command (ms). */
  timeoutMs?: number;
}

type Command = Record<string, unknown> & { command: string };
interface Response {
  command: string;
  error?: string;
  correlationData?: string;
}

/**
 * Robot logins on Mosquitto through its dynamic-security plugin. Each robot gets a client named
 * after its id and a role `hearth-robot-<id>` allowing exactly its own topics; `deleteClient`
 * makes the broker disconnect the robot's live sessions, not only refuse the next connection.
 */
export class MosquittoDynamicSecurity implements BrokerAccounts {
  private client: MqttClient | null = null;
  private readonly waiting = new Map<string, (response: Response) => void>();

  constructor(private readonly options: DynamicSecurityOptions) {}

  async create(robotId: string, password: string): Promise<void> {
    const role = roleOf(robotId);
    await this.run([{ command: 'createRole', rolename: role, textname: `Hearth robot ${robotId}` }], {
      tolerate: ['Role already exists'],
    });
    const acls: Command[] = [
      ...ROBOT_PUBLISHES.map((channel) => acl(role, 'publishClientSend', robotTopic(robotId, channel))),
      acl(role, 'subscribeLiteral', robotTopic(robotId, 'cmd')),
      acl(role, 'publishClientReceive', robotTopic(robotId, 'cmd')),
    ];
    await this.run(acls, { tolerate: ['ACL with this topic already exists'] });
    await this.run([
      {
        command: 'createClient',
        username: robotId,
        password,
        textname: 'Hearth robot',
        roles: [{ rolename: role }],
      },
    ]);
  }

  async revoke(robotId: string): Promise<void> {
    await this.run([{ command: 'deleteClient', username: robotId }], { tolerate: ['Client not found'] });
    await this.run([{ command: 'deleteRole', rolename: roleOf(robotId) }], { tolerate: ['Role not found'] });
  }

  /** Creates a login with the given role ACLs (the hub's own account, in tests and setup). */
  async createAccount(username: string, password: string, acls: { type: string; topic: string }[]) {
    const role = `hearth-${username}`;
    await this.run([{ command: 'createRole', rolename: role }], { tolerate: ['Role already exists'] });
    await this.run(
      acls.map((a) => acl(role, a.type, a.topic)),
      { tolerate: ['ACL with this topic already exists'] },
    );
    await this.run([{ command: 'createClient', username, password, roles: [{ rolename: role }] }]);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.endAsync(true);
  }

  /** Sends commands in one message and waits for every answer; an error not in `tolerate` throws. */
  private async run(commands: Command[], options: { tolerate?: string[] } = {}): Promise<void> {
    const client = await this.connect();
    const timeoutMs = this.options.timeoutMs ?? 5000;
    const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
    const answers = tagged.map(
      (c) =>
        new Promise<Response>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiting.delete(c.correlationData);
            reject(
              new BrokerAccountError(
                `the broker did not answer ${c.command} within ${timeoutMs} ms (is the dynamic-security plugin loaded, and ${this.options.username} its admin?)`,
                'BROKER_UNREACHABLE',
              ),
            );
          }, timeoutMs);
          this.waiting.set(c.correlationData, (response) => {
            clearTimeout(timer);
            resolve(response);
          });
        }),
    );
    await client.publishAsync(CONTROL, JSON.stringify({ commands: tagged }), { qos: 1 });
    for (const response of await Promise.all(answers)) {
      if (response.error && !options.tolerate?.includes(response.error))
        throw new BrokerAccountError(
          `the broker refused ${response.command}: ${response.error}`,
          'BROKER_REFUSED',
        );
    }
  }

  private async connect(): Promise<MqttClient> {
    if (this.client?.connected) return this.client;
    const { url, username, password, ca } = this.options;
    let client: MqttClient;
    try {
      client = await mqtt.connectAsync(url, {
        username,
        password,
        clientId: `hearth-admin-${randomUUID().slice(0, 8)}`,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: this.options.timeoutMs ?? 5000,
        ...(ca && { ca }),
      });
    } catch (error) {
      throw new BrokerAccountError(
        `cannot reach the broker at ${url} as ${username}: ${(error as Error).message}`,
        'BROKER_UNREACHABLE',
      );
    }
    client.on('message', (_topic, payload) => {
      let body: { responses?: Response[] };
      try {
        body = JSON.parse(payload.toString()) as { responses?: Response[] };
      } catch {
        return;
      }
      for (const response of body.responses ?? []) {
        const id = response.correlationData;
        if (id) this.waiting.get(id)?.(response);
        if (id) this.waiting.delete(id);
      }
    });
    await client.subscribeAsync(RESPONSE, { qos: 1 });
    this.client = client;
    return client;
  }
}

const roleOf = (robotId: string) => `hearth-robot-${robotId}`;

function acl(rolename: string, acltype: string, topic: string): Command {
  return { command: 'addRoleACL', rolename, acltype, topic, allow: true, priority: 0 };
}

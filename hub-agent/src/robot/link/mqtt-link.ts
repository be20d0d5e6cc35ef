import type { RobotCommand } from '@hearth/shared';
import { robotTopic } from '@hearth/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { LinkListeners, type RobotLink, RobotLinkError, type RobotMessage } from './robot-link.js';

export interface MqttRobotLinkOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  username: string;
  password: string;
  /** The hub's client id; fixed, so the broker keeps its session (robot messages queue while it is away). */
  clientId: string;
  /** CA certificate (PEM) to trust for mqtts, when the broker's certificate is self-signed. */
  ca?: string | Buffer;
  /** Wait between reconnection attempts, ms. */
  reconnectPeriodMs?: number;
}

const ROBOT_CHANNELS = ['status', 'ack', 'progress', 'result'] as const;

/** RobotLink over MQTT (mqtt.js), against aedes or any MQTT 3.1.1 broker with the same topics and ACL. */
export class MqttRobotLink implements RobotLink {
  private client: MqttClient | null = null;
  private readonly listeners = new LinkListeners();
  private up = false;

  constructor(private readonly options: MqttRobotLinkOptions) {}

  async start(): Promise<void> {
    if (this.client) return;
    const o = this.options;
    const client = mqtt.connect(o.url, {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: o.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      ca: o.ca,
      // A command is only worth sending with the ledger watching it; never queue one blindly.
      queueQoSZero: false,
    });
    this.client = client;
    client.on('connect', () => {
      // Small packets that someone waits for: no Nagle delay (mqtt.js leaves it on).
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      // Subscribed on every connection: a broker without our session (restarted without
      // persistence, or an external one) would otherwise leave the hub deaf. Repeating is harmless.
      client.subscribe(
        ROBOT_CHANNELS.map((channel) => robotTopic('+', channel)),
        { qos: 1 },
        (error, granted) => {
          const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
          if (error || refused.length > 0)
            for (const l of this.listeners.invalid)
              l(
                refused.join(','),
                `the broker refused the hub's subscription: ${error?.message ?? 'not authorised'}`,
              );
        },
      );
      this.up = true;
      this.listeners.connected(true);
    });
    client.on('close', () => {
      if (!this.up) return;
      this.up = false;
      this.listeners.connected(false);
    });
    client.on('message', (topic, payload) => this.listeners.deliver(topic, payload));
    // mqtt.js reports connection failures as 'error' and keeps reconnecting; state is read from isConnected().
    client.on('error', () => {});
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true).catch(() => {});
  }

  isConnected(): boolean {
    return this.client?.connected ?? false;
  }

  send(robotId: string, command: RobotCommand): Promise<void> {
    const client = this.client;
    if (!client?.connected)
      return Promise.reject(new RobotLinkError('not connected to the robot broker', 'LINK_DOWN'));
    return new Promise((resolve, reject) => {
      client.publish(robotTopic(robotId, 'cmd'), JSON.stringify(command), { qos: 1 }, (error) =>
        error
          ? reject(new RobotLinkError(`the broker did not take the command: ${error.message}`, 'REFUSED'))
          : resolve(),
      );
    });
  }

  onMessage(listener: (message: RobotMessage) => void): () => void {
    return this.listeners.add(this.listeners.message, listener);
  }

  onInvalid(listener: (topic: string, reason: string) => void): () => void {
    return this.listeners.add(this.listeners.invalid, listener);
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    return this.listeners.add(this.listeners.connection, listener);
  }
}

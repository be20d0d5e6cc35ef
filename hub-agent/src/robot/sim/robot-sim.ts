import {
  type RobotAck,
  RobotCommand,
  type RobotOutcome,
  type RobotProgress,
  type RobotResult,
  type RobotState,
  type RobotStatus,
  robotTopic,
} from '@hearth/shared';
import mqtt, { type MqttClient } from 'mqtt';

/** On-purpose faults, for tests and demos of what the hub does when the robot lets it down. */
export type Misbehaviour = 'none' | 'never_answers' | 'slow_ack' | 'drops_mid_check';

export interface RobotSimOptions {
  url: string;
  robotId: string;
  password: string;
  /** Travel time from anywhere to each room, ms; unknown rooms take `defaultTravelMs`. */
  rooms?: Record<string, number>;
  defaultTravelMs?: number;
  /** Where the robot starts and docks. */
  dock?: string;
  battery?: number;
  /** Battery percent used per second of travel, and gained per second on the dock. */
  drainPerSecond?: number;
  rechargePerSecond?: number;
  /** What a safety check finds, and how long looking takes. */
  outcome?: RobotOutcome;
  checkMs?: number;
  /** Delay before acknowledging a command (`slow_ack` multiplies it by 20). */
  ackDelayMs?: number;
  misbehave?: Misbehaviour;
  /** With `drops_mid_check`: how long the robot stays away before reconnecting. */
  awayMs?: number;
  ca?: string | Buffer;
  /** Called with each line worth showing a person (the CLI prints them). */
  say?: (line: string) => void;
}

/**
 * A simulated safety robot over MQTT (mqtt.js), speaking the protocol in `shared`: retained status
 * with an `offline` will, commands executed once each and ignored past their deadline, travel
 * between rooms, battery drain and recharge, and faults on request.
 */
export class RobotSimulator {
  private client: MqttClient | null = null;
  private readonly seen = new Set<string>();
  /** Ids of the commands this robot carried out, in order (each at most once). */
  readonly executed: string[] = [];
  /** Every valid command that arrived, repeats included, with when (ms since the epoch). */
  readonly received: { id: string; at: number }[] = [];
  private room: string;
  private battery: number;
  private state: RobotState = 'docked';
  private charging: ReturnType<typeof setInterval> | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(private readonly o: RobotSimOptions) {
    this.room = o.dock ?? 'hall';
    this.battery = o.battery ?? 100;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
    this.startCharging();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.charging) clearInterval(this.charging);
    this.charging = null;
    const client = this.client;
    this.client = null;
    // A clean DISCONNECT: the broker drops the will, so publish the offline status ourselves.
    if (client?.connected) {
      await client.publishAsync(
        robotTopic(this.o.robotId, 'status'),
        JSON.stringify(this.status('offline')),
        {
          qos: 1,
          retain: true,
        },
      );
    }
    await client?.endAsync();
  }

  /** What the robot would report now. */
  status(state: RobotState = this.state): RobotStatus {
    return { state, battery: Math.round(this.battery), room: this.room, at: new Date().toISOString() };
  }

  private async connect(): Promise<void> {
    const id = this.o.robotId;
    const client = mqtt.connect(this.o.url, {
      clientId: id,
      username: id,
      password: this.o.password,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      ca: this.o.ca,
      will: {
        topic: robotTopic(id, 'status'),
        payload: Buffer.from(JSON.stringify(this.status('offline'))),
        qos: 1,
        retain: true,
      },
    });
    // Listening before CONNECT goes out: a kept session's queued commands follow the CONNACK at
    // once, often in the same read, and mqtt.js emits them (and acknowledges them) before an
    // awaited connectAsync() would resume, so a handler added after it loses them for good.
    client.on('message', (_topic, payload) => this.command(payload));
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        client.off('connect', onConnect);
        client.off('error', settle);
        if (!error) return resolve();
        client.end();
        reject(error);
      };
      const onConnect = () => settle();
      client.on('connect', onConnect);
      client.on('error', settle);
    });
    this.client = client;
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    client.on('connect', () => void this.publishStatus());
    await client.subscribeAsync(robotTopic(id, 'cmd'), { qos: 1 });
    await this.publishStatus();
  }

  private command(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      this.o.say?.('ignored a command that is not JSON');
      return;
    }
    const parsed = RobotCommand.safeParse(json);
    if (!parsed.success) {
      this.o.say?.('ignored a command that breaks the protocol');
      return;
    }
    const cmd = parsed.data;
    this.received.push({ id: cmd.id, at: Date.now() });
    if (this.seen.has(cmd.id)) return; // executes a repeated id once
    this.seen.add(cmd.id);
    if (Date.parse(cmd.deadline) < Date.now()) {
      this.o.say?.(`ignored ${cmd.type} ${cmd.id}: past its deadline`);
      return;
    }
    const misbehave = this.o.misbehave ?? 'none';
    if (misbehave === 'never_answers') {
      this.o.say?.(`received ${cmd.type} ${cmd.id} and (on purpose) never answers`);
      return;
    }
    const ackDelay = (this.o.ackDelayMs ?? 50) * (misbehave === 'slow_ack' ? 20 : 1);
    this.after(ackDelay, () => void this.execute(cmd));
  }

  private async execute(cmd: RobotCommand): Promise<void> {
    if (this.battery < 5 && cmd.type !== 'dock') {
      await this.publish('ack', {
        id: cmd.id,
        accepted: false,
        reason: 'battery too low',
      } satisfies RobotAck);
      return;
    }
    this.executed.push(cmd.id);
    await this.publish('ack', { id: cmd.id, accepted: true } satisfies RobotAck);
    this.o.say?.(`${cmd.type}${cmd.room ? ` → ${cmd.room}` : ''} (${cmd.id})`);
    if (cmd.type === 'speak') {
      this.o.say?.(`says: ${cmd.text}`);
      return this.finish(cmd, 'ok', `said: ${cmd.text}`.slice(0, 500));
    }
    const target = cmd.type === 'dock' ? (this.o.dock ?? 'hall') : (cmd.room ?? this.room);
    this.state = 'busy';
    this.stopCharging();
    await this.publishStatus();
    await this.publish('progress', { id: cmd.id, state: 'moving', room: target } satisfies RobotProgress);
    if ((this.o.misbehave ?? 'none') === 'drops_mid_check' && cmd.type === 'safety_check')
      await this.dropAndReturn();
    const travel = this.o.rooms?.[target] ?? this.o.defaultTravelMs ?? 500;
    await this.wait(travel);
    this.battery = Math.max(0, this.battery - (travel / 1000) * (this.o.drainPerSecond ?? 0.5));
    this.room = target;
    await this.publish('progress', { id: cmd.id, state: 'arrived', room: target } satisfies RobotProgress);
    if (cmd.type === 'safety_check') {
      await this.publish('progress', { id: cmd.id, state: 'checking', room: target } satisfies RobotProgress);
      await this.wait(this.o.checkMs ?? 300);
      return this.finish(cmd, this.o.outcome ?? 'ok');
    }
    if (cmd.type === 'dock') {
      this.state = 'charging';
      this.startCharging();
    }
    return this.finish(cmd, 'ok');
  }

  private async finish(cmd: RobotCommand, outcome: RobotOutcome, detail?: string): Promise<void> {
    const result: RobotResult = {
      id: cmd.id,
      outcome,
      ...(detail && { detail }),
      at: new Date().toISOString(),
    };
    await this.publish('result', result);
    if (this.state === 'busy') this.state = 'online';
    await this.publishStatus();
    this.o.say?.(`result ${outcome} (${cmd.id})`);
  }

  private async dropAndReturn(): Promise<void> {
    this.o.say?.('drops its connection mid-check (on purpose)');
    const client = this.client;
    this.client = null;
    client?.removeAllListeners('message');
    client?.stream.destroy();
    client?.end(true);
    await this.wait(this.o.awayMs ?? 1000);
    if (!this.stopped) await this.connect();
  }

  private async publishStatus(): Promise<void> {
    await this.publish('status', this.status(), true);
  }

  private async publish(
    channel: 'status' | 'ack' | 'progress' | 'result',
    body: unknown,
    retain = false,
  ): Promise<void> {
    const client = this.client;
    if (!client || this.stopped) return;
    await client
      .publishAsync(robotTopic(this.o.robotId, channel), JSON.stringify(body), { qos: 1, retain })
      .catch((error: Error) => this.o.say?.(`could not publish ${channel}: ${error.message}`));
  }

  private startCharging(): void {
    if (this.charging || this.room !== (this.o.dock ?? 'hall')) return;
    this.charging = setInterval(() => {
      if (this.battery >= 100) return;
      this.battery = Math.min(100, this.battery + (this.o.rechargePerSecond ?? 1));
      if (this.state === 'docked') this.state = 'charging';
      if (this.battery >= 100 && this.state === 'charging') this.state = 'docked';
      void this.publishStatus();
    }, 1000);
    this.charging.unref();
  }

  private stopCharging(): void {
    if (this.charging) clearInterval(this.charging);
    this.charging = null;
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }
}

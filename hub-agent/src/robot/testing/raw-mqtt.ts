import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A bare MQTT 3.1.1 client for tests that must send what a well-behaved library refuses to
 * (wildcards or NUL in a publish, 64 KB ids) and see exactly what the broker answers.
 */
export class RawMqtt {
  private readonly packets: mqttPacket.Packet[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  private nextId = 1;

  private constructor(private readonly socket: Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      this.packets.push(p);
      this.wake();
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawMqtt> {
    const socket = netConnect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawMqtt(socket);
  }

  /** Sends CONNECT; resolves with the CONNACK return code, or 'closed' when the broker hung up. */
  async connect(options: {
    clientId: string;
    username?: string;
    password?: string;
    will?: { topic: string; payload: string };
  }): Promise<number | 'closed'> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      clientId: options.clientId,
      username: options.username,
      password: options.password === undefined ? undefined : Buffer.from(options.password),
      will: options.will && {
        topic: options.will.topic,
        payload: Buffer.from(options.will.payload),
        qos: 0,
        retain: false,
      },
    } as mqttPacket.IConnectPacket);
    const connack = await this.next('connack');
    return connack === 'closed' ? 'closed' : ((connack as mqttPacket.IConnackPacket).returnCode ?? 0);
  }

  /** Publishes at QoS 1; resolves 'acked' on PUBACK or 'closed' when the broker hung up instead. */
  async publish(topic: string, payload: string | Buffer): Promise<'acked' | 'closed'> {
    const messageId = this.nextId++;
    this.send({ cmd: 'publish', topic, payload, qos: 1, messageId, dup: false, retain: false });
    const ack = await this.next('puback', (p) => (p as mqttPacket.IPubackPacket).messageId === messageId);
    return ack === 'closed' ? 'closed' : 'acked';
  }

  /** Subscribes at QoS 1; resolves with the granted code (128 = refused) or 'closed'. */
  async subscribe(topic: string): Promise<number | 'closed'> {
    const messageId = this.nextId++;
    this.send({
      cmd: 'subscribe',
      messageId,
      subscriptions: [{ topic, qos: 1 }],
    } as mqttPacket.ISubscribePacket);
    const suback = await this.next('suback', (p) => (p as mqttPacket.ISubackPacket).messageId === messageId);
    return suback === 'closed' ? 'closed' : ((suback as mqttPacket.ISubackPacket).granted[0] as number);
  }

  /** Drops the TCP connection without DISCONNECT, so the broker publishes the will. */
  drop(): void {
    this.socket.destroy();
  }

  private send(packet: mqttPacket.Packet): void {
    if (!this.closed) this.socket.write(mqttPacket.generate(packet));
  }

  private async next(cmd: string, match: (p: mqttPacket.Packet) => boolean = () => true) {
    for (;;) {
      const i = this.packets.findIndex((p) => p.cmd === cmd && match(p));
      if (i >= 0) return this.packets.splice(i, 1)[0]!;
      if (this.closed) return 'closed' as const;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

import { Redis } from 'ioredis';
import { type Bus, BusClosedError, type BusHandler, type BusMessage, deliver } from './bus.js';

export interface RedisBusOptions {
  /** redis:// URL. */
  url: string;
  /** Prepended to every channel so deployments and test runs sharing a Redis never hear each other. */
  prefix: string;
  /** Called when a handler throws or a message cannot be parsed. */
  onError?: (err: unknown) => void;
  /** Called on connection state changes, for logs and readiness. */
  onStatus?: (status: string) => void;
}

/**
 * The bus across instances: Redis pub/sub. Uses two connections, since a subscribing Redis
 * connection can do nothing else. While Redis is away, publishes fail fast (the alert is already in
 * PostgreSQL) and subscriptions are restored by ioredis on reconnect.
 */
export class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channels = new Map<string, Set<BusHandler>>();
  private closed = false;

  constructor(private readonly options: RedisBusOptions) {
    const common = { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true };
    // Named after the prefix so an operator (or a test) can tell deployments apart in CLIENT LIST.
    const name = options.prefix.replace(/[^\w:-]/g, '_');
    this.pub = new Redis(options.url, { ...common, connectionName: `hearth-pub-${name}` });
    this.sub = new Redis(options.url, { ...common, connectionName: `hearth-sub-${name}` });
    const onError = options.onError ?? (() => {});
    for (const conn of [this.pub, this.sub]) {
      conn.on('error', (err) => options.onStatus?.(`error: ${err.message}`));
      conn.on('ready', () => options.onStatus?.('ready'));
      conn.on('end', () => options.onStatus?.('end'));
    }
    this.sub.on('message', (fullChannel: string, payload: string) => {
      const channel = fullChannel.slice(options.prefix.length);
      const handlers = this.channels.get(channel);
      if (!handlers || handlers.size === 0) return;
      let message: BusMessage;
      try {
        message = JSON.parse(payload);
      } catch (err) {
        onError(err);
        return;
      }
      deliver([...handlers], message, channel, onError);
    });
  }

  /** Connects both connections. @throws when Redis cannot be reached. */
  async connect(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
  }

  async publish(channel: string, message: BusMessage): Promise<void> {
    if (this.closed) throw new BusClosedError();
    await this.pub.publish(this.options.prefix + channel, JSON.stringify(message ?? null));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    if (this.closed) throw new BusClosedError();
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
      await this.sub.subscribe(this.options.prefix + channel);
    }
    const entry: BusHandler = (m, c) => handler(m, c);
    handlers.add(entry);
    return () => {
      const set = this.channels.get(channel);
      if (!set?.delete(entry) || set.size > 0) return;
      this.channels.delete(channel);
      if (!this.closed) this.sub.unsubscribe(this.options.prefix + channel).catch(() => {});
    };
  }

  /** Round-trips a PING; for readiness checks. @throws when Redis is unreachable. */
  async ping(): Promise<void> {
    await this.pub.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}

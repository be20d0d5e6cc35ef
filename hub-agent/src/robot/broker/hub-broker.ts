import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { BrokerAccess, type CredentialCheck } from './access.js';
import { PacketSizeGuard, PacketTooLargeError } from './packet-size-guard.js';
import { SqlitePersistence, type StoredPacket } from './sqlite-persistence.js';

export interface HubBrokerOptions {
  /** Address to listen on (the home LAN, or 127.0.0.1 when only local robots may connect). */
  host: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Certificate and key (PEM) for MQTT over TLS; plain MQTT without. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest MQTT packet accepted, in bytes; a larger one closes the connection. */
  maxPacketBytes: number;
  /** At most `max` new connections per remote address within `windowMs`; more are closed at once. */
  connectionRate: { max: number; windowMs: number };
  /** The broker's SQLite database (retained status, sessions, queued commands, wills). */
  persistencePath: string;
  credentials: CredentialCheck;
  log: Logger;
  clock: Clock;
  /**
   * After a restart, wills left by clients of the previous run are published once this long has
   * passed without the client coming back (its connection died with the old process).
   */
  willGraceMs?: number;
}

/**
 * The hub's own MQTT broker (aedes) for the robots in the home: authenticated, ACL-checked,
 * persisted on SQLite under a fixed broker id, with a packet-size cap and a per-address
 * connection rate limit in front of it.
 */
export class HubBroker {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private persistence: SqlitePersistence | null = null;
  private readonly recent = new Map<string, number[]>();
  private cancelWills: () => void = () => {};
  private listening: { host: string; port: number; tls: boolean } | null = null;
  /** Connected clients by id, from aedes' `client` / `clientDisconnect` events. */
  private readonly clients = new Map<string, { close(): void }>();

  constructor(private readonly options: HubBrokerOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    const persistence = new SqlitePersistence({ path: o.persistencePath });
    this.persistence = persistence;
    const access = new BrokerAccess({ credentials: o.credentials, log: o.log });
    const aedes = await Aedes.createBroker({
      id: persistence.brokerId(randomUUID),
      persistence: persistence as never,
      preConnect: access.preConnect as never,
      authenticate: access.authenticate as never,
      authorizePublish: ((
        client: { id: string } | null,
        packet: StoredPacket,
        done: (e: Error | null) => void,
      ) =>
        access.authorizePublish(client, packet as never, (error) => {
          // Runs before aedes writes the PUBACK: a QoS 1 command is on disk before its sender hears it was taken.
          if (error || !client || packet.qos !== 1) return done(error);
          try {
            persistence.queueBeforeAck(packet);
          } catch (failed) {
            return done(failed as Error);
          }
          done(null);
        })) as never,
      authorizeSubscribe: access.authorizeSubscribe as never,
      connectTimeout: 10_000,
    });
    this.aedes = aedes;
    aedes.on('client', (client) => this.clients.set(client.id, client));
    aedes.on('clientDisconnect', (client) => {
      if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    });
    aedes.on('clientError', (client, error) =>
      o.log.debug(
        { clientId: String(client?.id).slice(0, 80), reason: error.message },
        'robot broker client error',
      ),
    );
    const handler = (socket: Socket) => this.accept(socket);
    const server = o.tls
      ? createTlsServer({ cert: o.tls.cert, key: o.tls.key }, handler)
      : createNetServer(handler);
    server.on('error', (error) => o.log.error({ reason: error.message }, 'robot broker server error'));
    server.listen(o.port, o.host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw new Error(
          `the robot broker cannot listen on ${o.host}:${o.port}: ${(error as NodeJS.ErrnoException).code}`,
        );
      }),
    ]);
    this.server = server;
    const address = server.address();
    this.listening = {
      host: o.host,
      port: typeof address === 'object' && address ? address.port : o.port,
      tls: o.tls !== undefined,
    };
    this.scheduleOrphanedWills();
  }

  async stop(): Promise<void> {
    this.cancelWills();
    const server = this.server;
    this.server = null;
    if (server) server.close();
    const aedes = this.aedes;
    this.aedes = null;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    const persistence = this.persistence;
    this.persistence = null;
    if (persistence) await persistence.destroy();
    this.listening = null;
    this.clients.clear();
  }

  /** Where the broker listens, or null when stopped. */
  address(): { host: string; port: number; tls: boolean } | null {
    return this.listening && { ...this.listening };
  }

  /** Ids of the clients connected now. */
  connectedClients(): string[] {
    return [...this.clients.keys()];
  }

  /**
   * Tells `listener` about every message the broker accepted, with the publishing client (null
   * for the broker's own and for wills published after a restart). Returns its removal.
   */
  onPublish(listener: (topic: string, clientId: string | null, payload: Buffer) => void): () => void {
    const aedes = this.aedes;
    if (!aedes) throw new Error('the robot broker is not running');
    const handler = (packet: { topic: string; payload: Buffer | string }, client: { id: string } | null) =>
      listener(packet.topic, client?.id ?? null, Buffer.from(packet.payload));
    aedes.on('publish', handler as never);
    return () => aedes.off('publish', handler as never);
  }

  /** Closes a client's connection (a revoked robot); false when it was not connected. */
  disconnect(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    client.close();
    return true;
  }

  private accept(socket: Socket): void {
    const o = this.options;
    const address = socket.remoteAddress ?? 'unknown';
    const now = o.clock.now();
    const times = (this.recent.get(address) ?? []).filter((t) => now - t < o.connectionRate.windowMs);
    times.push(now);
    this.recent.set(address, times);
    if (times.length > o.connectionRate.max) {
      if (times.length === o.connectionRate.max + 1)
        o.log.warn({ address }, 'robot broker: too many connections from one address; closing them');
      socket.destroy();
      return;
    }
    if (this.recent.size > 1000) this.forgetQuietAddresses(now);
    // Commands and acks are single small packets: Nagle's delay would only add latency.
    socket.setNoDelay(true);
    const guard = new PacketSizeGuard(o.maxPacketBytes);
    socket.pipe(guard);
    guard.on('error', (error) => {
      // Only an oversized packet is news; an abort is the connection already closing.
      if (error instanceof PacketTooLargeError)
        o.log.warn({ address, reason: error.message }, 'robot broker closed a connection');
      socket.destroy();
    });
    socket.on('error', () => {});
    const conn = Duplex.from({ readable: guard, writable: socket });
    conn.on('close', () => socket.destroy());
    this.aedes?.handle(conn as never);
  }

  private forgetQuietAddresses(now: number): void {
    for (const [address, times] of this.recent) {
      if (times.every((t) => now - t >= this.options.connectionRate.windowMs)) this.recent.delete(address);
    }
  }

  /**
   * aedes publishes a will when it sees the connection drop, or (for wills of other brokers)
   * after missed heartbeats; neither happens for wills of our own id left by a process that was
   * killed. Those are published here once the grace has passed and the client did not return.
   */
  private scheduleOrphanedWills(): void {
    const persistence = this.persistence!;
    const orphans: string[] = [];
    const stream = persistence.streamWill({});
    stream.on('data', (will: { clientId?: string }) => {
      if (will.clientId !== undefined) orphans.push(will.clientId);
    });
    stream.on('end', () => {
      if (orphans.length === 0) return;
      this.cancelWills = this.options.clock.setTimeout(
        () => void this.publishOrphans(orphans),
        this.options.willGraceMs ?? 30_000,
      );
    });
  }

  private async publishOrphans(clientIds: string[]): Promise<void> {
    const aedes = this.aedes;
    const persistence = this.persistence;
    if (!aedes || !persistence) return;
    for (const clientId of clientIds) {
      if (this.clients.has(clientId)) continue;
      const will = await persistence.getWill({ id: clientId });
      if (!will) continue;
      const allowed = await new Promise<boolean>((resolve) =>
        aedes.authorizePublish(null as never, will as never, (error) => resolve(!error)),
      );
      if (allowed) await new Promise<void>((resolve) => aedes.publish(will as never, () => resolve()));
      await persistence.delWill({ id: clientId });
      this.options.log.info(
        { clientId, published: allowed },
        'robot broker: will of a client that did not return',
      );
    }
  }
}

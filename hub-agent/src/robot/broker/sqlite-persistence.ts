/// <reference path="./vendor.d.ts" />
// Over ~300 lines on purpose: this is aedes' whole persistence interface (retained messages,
// subscriptions, outgoing queues, wills, incoming packets) as one class, the unit aedes-persistence's
// abstract suite tests; split, every part would need the same statements and in-memory indexes.
// It keeps its own file (`robot-broker.db`) rather than living in the hub's database: the abstract
// suite builds, destroys and rebuilds many persistences and expects each to own its storage; the
// broker writes on every MQTT packet, at `synchronous = NORMAL`, which must not queue behind (or
// hold the write lock against) the outbox's FULL-sync commits; and what it holds is a cache the hub
// can lose: the command ledger, in the hub's database, resends anything a power cut drops here.
// An external broker leaves no such file at all.
import { Readable } from 'node:stream';
import { deserialize, serialize } from 'node:v8';
import aedesPacket from 'aedes-packet';
import Database from 'better-sqlite3';
import { QlobberTrue } from 'qlobber';
import QlobberSub from 'qlobber/aedes/qlobber-sub.js';
import { migrateBrokerStore } from './schema.js';

// aedes-packet's typings describe a function; at run time it is the constructor aedes uses.
const Packet = aedesPacket as unknown as new (original: object) => StoredPacket;

/** The same matching options aedes and its memory persistence use. */
const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

/** A packet as aedes hands it over; stored whole (v8 serialisation keeps Buffers and undefined fields). */
export interface StoredPacket {
  cmd?: string;
  topic?: string;
  payload?: Buffer | string;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  [key: string]: unknown;
}
interface Client {
  id: string;
}
interface Subscription {
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}
interface TrieSub {
  clientId: string;
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}
interface BrokerLike {
  id: string;
  counter: number;
}

const pack = (value: unknown): Buffer => serialize(value);
const unpack = <T>(blob: Buffer): T => deserialize(blob) as T;

/**
 * An aedes 1.x persistence on the hub's SQLite: retained messages, subscriptions, QoS 1/2 queues
 * and wills live on disk, so a broker started on the same file after a crash serves them again.
 * Semantics follow aedes-persistence's memory implementation (its abstract suite is the contract);
 * subscriptions are also kept in an in-memory topic trie, rebuilt from disk at setup, because every
 * publish asks who matches.
 *
 * Writes use WAL with synchronous=NORMAL: a committed write survives the process being killed; after
 * a power cut the last instants may be lost, which the command ledger covers by resending anything
 * not acknowledged.
 */
export class SqlitePersistence {
  private readonly db: Database.Database;
  private readonly trie = new QlobberSub(QLOBBER_OPTIONS);
  private clientsCount = 0;
  private destroyed = false;
  private brokerRef: BrokerLike | undefined;
  /** Counters reserved by `queueBeforeAck`, by the payload Buffer aedes carries over to its own copy of the packet. */
  private readonly queuedBeforeAck = new WeakMap<object, number>();

  constructor(options: { path: string }) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    migrateBrokerStore(this.db);
  }

  /** The broker aedes gave at setup (the abstract suite reads it). */
  get broker(): BrokerLike | undefined {
    return this.brokerRef;
  }

  /**
   * The broker id kept in this database, created on first use. A fixed id lets stored wills and
   * queued packets keep naming this broker across restarts.
   */
  brokerId(create: () => string): string {
    const row = this.db.prepare("SELECT value FROM broker_meta WHERE key = 'broker_id'").get() as
      | { value: string }
      | undefined;
    if (row) return row.value;
    const id = create();
    this.db.prepare("INSERT INTO broker_meta (key, value) VALUES ('broker_id', ?)").run(id);
    return id;
  }

  async setup(broker: BrokerLike): Promise<void> {
    this.brokerRef = broker;
    const rows = this.db
      .prepare('SELECT client_id, topic, record FROM subscriptions ORDER BY rowid')
      .all() as { client_id: string; topic: string; record: Buffer }[];
    const clients = new Set<string>();
    for (const row of rows) {
      clients.add(row.client_id);
      const sub = unpack<Subscription>(row.record);
      if (sub.qos > 0) this.trie.add(row.topic, trieSub(row.client_id, row.topic, sub));
    }
    this.clientsCount = clients.size;
    // The counter restarts at 0 with the process; packets queued before a restart carry this same
    // broker id, so continue above them or an update could match an old packet.
    const max = this.db
      .prepare('SELECT max(broker_counter) AS max FROM outgoing WHERE broker_id = ?')
      .get(broker.id) as { max: number | null };
    if (max.max !== null && max.max > broker.counter) broker.counter = max.max;
  }

  async storeRetained(pkt: StoredPacket): Promise<void> {
    const packet = { ...pkt };
    const topic = String(packet.topic);
    if (packet.payload === undefined || packet.payload.length === 0) {
      this.db.prepare('DELETE FROM retained WHERE topic = ?').run(topic);
    } else {
      // ON CONFLICT keeps the row's place, so retained messages come back in first-stored order.
      this.db
        .prepare(
          'INSERT INTO retained (topic, packet) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET packet = excluded.packet',
        )
        .run(topic, pack(packet));
    }
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    const rows = this.db.prepare('SELECT topic, packet FROM retained ORDER BY rowid').all() as {
      topic: string;
      packet: Buffer;
    }[];
    const found: StoredPacket[] = [];
    for (const pattern of patterns) {
      const matcher = new QlobberTrue(QLOBBER_OPTIONS);
      matcher.add(pattern);
      for (const row of rows) if (matcher.test(row.topic)) found.push(unpack(row.packet));
    }
    return Readable.from(found);
  }

  async addSubscriptions(client: Client, subs: Subscription[]): Promise<void> {
    const existing = this.db.prepare('SELECT topic, qos FROM subscriptions WHERE client_id = ?');
    const upsert = this.db.prepare(
      `INSERT INTO subscriptions (client_id, topic, qos, record) VALUES (?, ?, ?, ?)
       ON CONFLICT (client_id, topic) DO UPDATE SET qos = excluded.qos, record = excluded.record`,
    );
    this.db.transaction(() => {
      const before = new Map(
        (existing.all(client.id) as { topic: string; qos: number }[]).map((r) => [r.topic, r.qos]),
      );
      if (before.size === 0 && subs.length > 0) this.clientsCount++;
      for (const sub of subs) {
        const record: Subscription = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl } as Subscription;
        if (sub.subscriptionIdentifier !== undefined)
          record.subscriptionIdentifier = sub.subscriptionIdentifier;
        if (sub.qos > 0) this.trie.add(sub.topic, trieSub(client.id, sub.topic, sub));
        else if ((before.get(sub.topic) ?? 0) > 0)
          this.trie.remove(sub.topic, { clientId: client.id, topic: sub.topic });
        before.set(sub.topic, sub.qos);
        upsert.run(client.id, sub.topic, sub.qos, pack(record));
      }
    })();
  }

  async removeSubscriptions(client: Client, topics: string[]): Promise<void> {
    const find = this.db.prepare('SELECT qos FROM subscriptions WHERE client_id = ? AND topic = ?');
    const remove = this.db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?');
    const count = this.db.prepare('SELECT count(*) AS n FROM subscriptions WHERE client_id = ?');
    this.db.transaction(() => {
      if ((count.get(client.id) as { n: number }).n === 0) return;
      for (const topic of topics) {
        const row = find.get(client.id, topic) as { qos: number } | undefined;
        if (!row) continue;
        if (row.qos > 0) this.trie.remove(topic, { clientId: client.id, topic });
        remove.run(client.id, topic);
      }
      if ((count.get(client.id) as { n: number }).n === 0) this.clientsCount--;
    })();
  }

  async subscriptionsByClient(client: Client): Promise<Subscription[]> {
    const rows = this.db
      .prepare('SELECT topic, record FROM subscriptions WHERE client_id = ? ORDER BY rowid')
      .all(client.id) as { topic: string; record: Buffer }[];
    return rows.map((r) => ({ topic: r.topic, ...unpack<Omit<Subscription, 'topic'>>(r.record) }));
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return { subsCount: this.trie.subscriptionsCount, clientsCount: this.clientsCount };
  }

  async subscriptionsByTopic(topic: string): Promise<TrieSub[]> {
    return this.trie.match(topic);
  }

  async cleanSubscriptions(client: Client): Promise<void> {
    const rows = this.db
      .prepare('SELECT topic, qos FROM subscriptions WHERE client_id = ?')
      .all(client.id) as {
      topic: string;
      qos: number;
    }[];
    if (rows.length === 0) return;
    for (const row of rows)
      if (row.qos > 0) this.trie.remove(row.topic, { clientId: client.id, topic: row.topic });
    this.db.prepare('DELETE FROM subscriptions WHERE client_id = ?').run(client.id);
    this.clientsCount--;
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void> {
    this.enqueue(sub.clientId, packet);
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: StoredPacket): Promise<void> {
    const reserved =
      typeof packet.payload === 'object' ? this.queuedBeforeAck.get(packet.payload) : undefined;
    if (reserved !== undefined) this.queuedBeforeAck.delete(packet.payload as object);
    const rekey = this.db.prepare(
      'UPDATE outgoing SET broker_counter = ?, packet = ? WHERE client_id = ? AND broker_id IS ? AND broker_counter = ?',
    );
    this.db.transaction(() => {
      for (const sub of subs) {
        // Already queued before the PUBACK: the row keeps its place and takes aedes' counter.
        if (reserved !== undefined) {
          const stored = { ...new Packet(packet) };
          const changed = rekey.run(
            stored.brokerCounter ?? null,
            pack(stored),
            sub.clientId,
            stored.brokerId ?? null,
            reserved,
          );
          if (changed.changes > 0) continue;
        }
        this.enqueue(sub.clientId, packet);
      }
    })();
  }

  /**
   * Queues a client's QoS 1 publish for the kept sessions subscribed to it, before the broker
   * acknowledges it. aedes 1.x writes the PUBACK first and queues afterwards
   * (lib/handlers/publish.js), so a broker killed in between lost a command its sender had been
   * told the broker owned (MQTT-4.3.2-2). The rows get a counter of their own, so they are
   * delivered after a restart; when aedes enqueues the same packet they take its counter instead
   * of being queued twice. Throws if SQLite cannot write: the publish must then be refused.
   */
  queueBeforeAck(packet: StoredPacket): void {
    const broker = this.brokerRef;
    if (!broker || typeof packet.payload !== 'object' || packet.topic === undefined) return;
    const subs = this.trie.match(packet.topic) as TrieSub[];
    if (subs.length === 0) return;
    const counter = ++broker.counter;
    const early = { ...packet, brokerId: broker.id, brokerCounter: counter };
    this.db.transaction(() => {
      for (const sub of subs) this.enqueue(sub.clientId, early);
    })();
    this.queuedBeforeAck.set(packet.payload, counter);
  }

  /** Gives a queued packet its message id, or replaces one with the same id (publish → pubrel). */
  async outgoingUpdate(client: Client, packet: StoredPacket): Promise<void> {
    const rows = this.db
      .prepare(
        'SELECT seq, broker_id, broker_counter, message_id FROM outgoing WHERE client_id = ? ORDER BY seq',
      )
      .all(client.id) as OutgoingRow[];
    for (const row of rows) {
      if (row.broker_id === (packet.brokerId ?? null)) {
        if (row.broker_counter === (packet.brokerCounter ?? null)) {
          const stored = this.loadOutgoing(row.seq);
          stored.messageId = packet.messageId;
          this.db
            .prepare('UPDATE outgoing SET message_id = ?, packet = ? WHERE seq = ?')
            .run(packet.messageId ?? null, pack(stored), row.seq);
          return;
        }
        // Message ids wrap at 65535: the same id with another counter is another packet; keep looking.
      } else if (row.message_id === (packet.messageId ?? null)) {
        this.db
          .prepare(
            'UPDATE outgoing SET broker_id = ?, broker_counter = ?, message_id = ?, packet = ? WHERE seq = ?',
          )
          .run(
            packet.brokerId ?? null,
            packet.brokerCounter ?? null,
            packet.messageId ?? null,
            pack(packet),
            row.seq,
          );
        return;
      }
    }
    throw new Error('no such packet');
  }

  async outgoingClearMessageId(client: Client, packet: StoredPacket): Promise<StoredPacket | undefined> {
    const row = this.db
      .prepare(
        'SELECT seq, packet FROM outgoing WHERE client_id = ? AND message_id IS ? ORDER BY seq LIMIT 1',
      )
      .get(client.id, packet?.messageId ?? null) as { seq: number; packet: Buffer } | undefined;
    if (!row) return undefined;
    this.db.prepare('DELETE FROM outgoing WHERE seq = ?').run(row.seq);
    return unpack(row.packet);
  }

  outgoingStream(client: Client): Readable {
    const rows = this.db
      .prepare('SELECT packet FROM outgoing WHERE client_id = ? ORDER BY seq')
      .all(client.id) as { packet: Buffer }[];
    return Readable.from(rows.map((r) => unpack<StoredPacket>(r.packet)));
  }

  async incomingStorePacket(client: Client, packet: StoredPacket): Promise<void> {
    const stored = new Packet(packet);
    stored.messageId = packet.messageId;
    this.db
      .prepare('INSERT OR REPLACE INTO incoming (client_id, message_id, packet) VALUES (?, ?, ?)')
      .run(client.id, packet.messageId, pack({ ...stored }));
  }

  async incomingGetPacket(client: Client, packet: { messageId?: number }): Promise<StoredPacket> {
    const row = this.db
      .prepare('SELECT packet FROM incoming WHERE client_id = ? AND message_id = ?')
      .get(client.id, packet.messageId ?? null) as { packet: Buffer } | undefined;
    if (!row) throw new Error('no such packet');
    return unpack(row.packet);
  }

  async incomingDelPacket(client: Client, packet: { messageId?: number }): Promise<void> {
    const result = this.db
      .prepare('DELETE FROM incoming WHERE client_id = ? AND message_id = ?')
      .run(client.id, packet.messageId ?? null);
    if (result.changes === 0) throw new Error('no such packet');
  }

  async cleanIncoming(client: Client): Promise<void> {
    this.db.prepare('DELETE FROM incoming WHERE client_id = ?').run(client.id);
  }

  async putWill(client: Client, packet: StoredPacket): Promise<void> {
    // Stamped on the caller's packet too, as the memory persistence does (aedes reads them back).
    packet.brokerId = this.brokerRef?.id;
    packet.clientId = client.id;
    this.db
      .prepare(
        `INSERT INTO wills (client_id, broker_id, packet) VALUES (?, ?, ?)
         ON CONFLICT (client_id) DO UPDATE SET broker_id = excluded.broker_id, packet = excluded.packet`,
      )
      .run(client.id, packet.brokerId ?? null, pack(packet));
  }

  async getWill(client: Client): Promise<StoredPacket | undefined> {
    const row = this.db.prepare('SELECT packet FROM wills WHERE client_id = ?').get(client.id) as
      | { packet: Buffer }
      | undefined;
    return row ? unpack(row.packet) : undefined;
  }

  async delWill(client: Client): Promise<StoredPacket | undefined> {
    const will = await this.getWill(client);
    this.db.prepare('DELETE FROM wills WHERE client_id = ?').run(client.id);
    return will;
  }

  /** Wills of brokers not in `brokers` (ids of live brokers → last heartbeat). */
  streamWill(brokers: Record<string, number> = {}): Readable {
    const rows = this.db.prepare('SELECT broker_id, packet FROM wills ORDER BY rowid').all() as {
      broker_id: string | null;
      packet: Buffer;
    }[];
    const alive = (id: string | null) => id !== null && Object.hasOwn(brokers, id) && Boolean(brokers[id]);
    return Readable.from(rows.filter((r) => !alive(r.broker_id)).map((r) => unpack<StoredPacket>(r.packet)));
  }

  getClientList(topic: string): Readable {
    const rows = this.db
      .prepare('SELECT client_id FROM subscriptions WHERE topic = ? ORDER BY rowid')
      .all(topic) as { client_id: string }[];
    return Readable.from(rows.map((r) => r.client_id));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('destroyed called twice!');
    this.destroyed = true;
    this.db.close();
  }

  private enqueue(clientId: string, packet: StoredPacket): void {
    const stored = { ...new Packet(packet) };
    this.db
      .prepare(
        'INSERT INTO outgoing (client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, NULL, ?)',
      )
      .run(clientId, stored.brokerId ?? null, stored.brokerCounter ?? null, pack(stored));
  }

  private loadOutgoing(seq: number): StoredPacket {
    const row = this.db.prepare('SELECT packet FROM outgoing WHERE seq = ?').get(seq) as { packet: Buffer };
    return unpack(row.packet);
  }
}

interface OutgoingRow {
  seq: number;
  broker_id: string | null;
  broker_counter: number | null;
  message_id: number | null;
}

function trieSub(clientId: string, topic: string, sub: Subscription): TrieSub {
  return { clientId, topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
}

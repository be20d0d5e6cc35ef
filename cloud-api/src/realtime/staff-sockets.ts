import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_WS_MESSAGE_BYTES, summariseIssues, WsEnvelope } from '@hearth/shared';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { ALERTS_CHANNEL, type AlertRing, AlertStore } from '../alerts/alert-store.js';
import { bearerToken } from '../auth/tokens.js';
import type { CloudDeps } from '../deps.js';
import type { StaffPrincipal } from '../http/env.js';
import { ApiError } from '../http/errors.js';
import { SAFETY_CHECKS_CHANNEL } from '../safety/routes.js';
import { SeniorStore } from '../seniors/senior-store.js';
import { MAX_SIGNAL_BYTES, relayToHub, VIDEO_SIGNALS_CHANNEL, videoSessionOf } from '../video/video-relay.js';
import { type AlertUpdate, DashboardConnection, type TopicState } from './dashboard-connection.js';
import { HUBS_CHANNEL, type HubRing, SENIORS_CHANNEL, type SeniorRing } from './directory-feeds.js';
import { alertSnapshot, authoriseTopic, plainSnapshot } from './topic-access.js';
import { EVENTS_CHANNEL, type EventsRing } from './topic-feeds.js';
import { TopicRegistry } from './topics.js';
import { rejectUpgrade } from './upgrade.js';

export interface StaffSocketLimits {
  /** Bytes waiting to be sent to one client before it is disconnected as too slow. */
  maxQueueBytes: number;
  /** Connections one staff member may have subscribed to the same topic on one instance. */
  maxConnectionsPerTopic: number;
  /** Interval of protocol pings; a client that misses one is dropped. */
  pingIntervalMs: number;
}

export const DEFAULT_SOCKET_LIMITS: StaffSocketLimits = {
  maxQueueBytes: 1024 * 1024,
  maxConnectionsPerTopic: 20,
  pingIntervalMs: 30_000,
};

export type { AlertUpdate } from './dashboard-connection.js';

/**
 * The staff WebSocket `/ws`: authenticates the upgrade, answers subscribe with a snapshot, then pushes
 * updates rung on the bus to the clients allowed to see them. A slow client is cut off, never the server.
 */
export class StaffSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  private readonly clients = new Set<DashboardConnection>();
  private readonly registry: TopicRegistry;
  private readonly alerts: AlertStore;
  private readonly seniors: SeniorStore;
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Directory updates fan out one at a time, so a dashboard sees a hub's changes in the order they were rung. */
  private directory: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: CloudDeps,
    private readonly limits: StaffSocketLimits = DEFAULT_SOCKET_LIMITS,
    private readonly observe: { sent?: (n: number) => void; busLag?: (seconds: number) => void } = {},
  ) {
    this.alerts = new AlertStore(deps.sql);
    this.seniors = new SeniorStore(deps.sql);
    this.registry = new TopicRegistry(limits.maxConnectionsPerTopic);
    this.log = deps.log.child({ module: 'staff-ws' });
  }

  /** Connected dashboards on this instance. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Subscribes to the bus and starts pinging. */
  async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe(ALERTS_CHANNEL, (m) => {
      this.onAlertRing(m as AlertRing).catch((err) => this.log.error({ err }, 'failed to fan out an alert'));
    });
    const events = await this.deps.bus.subscribe(EVENTS_CHANNEL, (m) => {
      const ring = m as EventsRing;
      if (ring?.seniorId)
        this.forward(`senior:${ring.seniorId}`, { events: ring.events, omitted: ring.omitted });
    });
    const checks = await this.deps.bus.subscribe(SAFETY_CHECKS_CHANNEL, (m) => {
      const check = (m as { check?: { seniorId?: string } })?.check;
      if (!check?.seniorId) return;
      this.forwardVisible('safety-checks', check.seniorId, check).catch((err) =>
        this.log.error({ err }, 'failed to fan out a safety check'),
      );
    });
    const signals = await this.deps.bus.subscribe(VIDEO_SIGNALS_CHANNEL, (m) => {
      const { sessionId, data } = m as { sessionId?: string; data?: unknown };
      if (sessionId) this.forward(`video:${sessionId}`, data, 'signal');
    });
    const seniors = await this.deps.bus.subscribe(SENIORS_CHANNEL, (m) => {
      const ring = m as SeniorRing;
      if (ring?.senior?.id) this.forwardDirectory('seniors', ring.senior.id, ring);
    });
    const hubs = await this.deps.bus.subscribe(HUBS_CHANNEL, (m) => {
      const ring = m as HubRing;
      if (ring?.hub?.seniorId) this.forwardDirectory('hubs', ring.hub.seniorId, ring);
    });
    const alerts = this.unsubscribe;
    this.unsubscribe = () => {
      alerts?.();
      events();
      checks();
      signals();
      seniors();
      hubs();
    };
    this.pinger = setInterval(() => this.pingAll(), this.limits.pingIntervalMs);
    this.pinger.unref();
  }

  /**
   * Handles an HTTP upgrade if it is for `/ws`. Answers 401 (JSON envelope) before upgrading when the
   * token is missing or invalid; the token is never logged.
   * @returns false when the path is not ours, so another handler may take it.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return false;
    if (this.stopping) {
      rejectUpgrade(socket, 503, 'NOT_READY', 'server is shutting down');
      return true;
    }
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
    if (!token) {
      rejectUpgrade(
        socket,
        401,
        'UNAUTHENTICATED',
        'send the access token as Authorization: Bearer or ?token=',
      );
      return true;
    }
    this.deps.tokens.verify(token).then(
      (staff) => {
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, staff));
      },
      (err: unknown) => {
        const e = err instanceof ApiError ? err : new ApiError(401, 'UNAUTHENTICATED', 'invalid token');
        rejectUpgrade(socket, 401, e.code, e.message);
      },
    );
    return true;
  }

  private accept(ws: WebSocket, staff: StaffPrincipal): void {
    const client = new DashboardConnection(staff, ws, this.limits.maxQueueBytes, this.log, () =>
      this.observe.sent?.(1),
    );
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      client.alive = true;
      if (isBinary) return client.error('', 'BAD_REQUEST', 'send JSON text messages');
      this.onMessage(client, data.toString()).catch((err) => {
        this.log.error({ err }, 'failed to handle a dashboard message');
        client.error('', 'INTERNAL', 'the server could not handle that message');
      });
    });
    ws.on('close', () => {
      this.clients.delete(client);
      for (const topic of client.topics.keys()) this.registry.leave(topic, client);
    });
    ws.on('error', (err) => this.log.debug({ err }, 'dashboard socket error'));
  }

  private async onMessage(client: DashboardConnection, text: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return client.error('', 'MALFORMED_JSON', 'message is not valid JSON');
    }
    const parsed = WsEnvelope.safeParse(raw);
    if (!parsed.success) return client.error('', 'VALIDATION_FAILED', summariseIssues(parsed.error));
    const msg = parsed.data;
    switch (msg.type) {
      case 'ping':
        return client.send({
          type: 'pong',
          topic: msg.topic,
          ...(msg.id !== undefined && { id: msg.id }),
        });
      case 'pong':
        return;
      case 'subscribe':
        return this.subscribe(client, msg.topic, msg.data, msg.id);
      case 'unsubscribe':
        if (client.topics.delete(msg.topic)) this.registry.leave(msg.topic, client);
        return client.send({
          type: 'ack',
          topic: msg.topic,
          ...(msg.id !== undefined && { id: msg.id }),
        });
      case 'signal':
        return this.relaySignal(client, msg.topic, msg.data);
      default:
        return client.error(msg.topic, 'BAD_REQUEST', `a dashboard may not send ${msg.type}`);
    }
  }

  private async subscribe(
    client: DashboardConnection,
    topic: string,
    data: unknown,
    requestId?: string | number,
  ) {
    const grant = await authoriseTopic(this.deps, client.staff, topic);
    if (!grant.ok) return client.error(topic, grant.code, grant.message, requestId);
    if (client.topics.has(topic)) client.topics.delete(topic);
    else if (!this.registry.join(topic, client)) {
      const message = `too many connections subscribed to ${topic}`;
      return client.error(topic, 'RATE_LIMITED', message, requestId);
    }
    // Updates rung while the snapshot is read wait here, then go out unless the snapshot had them.
    const state: TopicState = { pending: [], ...(grant.kind === 'video' && { seniorId: grant.seniorId }) };
    client.topics.set(topic, state);
    if (grant.kind !== 'alerts') {
      // Feeds have no cursor: a reconnecting dashboard simply takes a fresh snapshot.
      state.pending = null;
      // A senior or hub update always carries the whole item, so one rung while the snapshot is read
      // is held and sent after it: applied late it is still right, applied early the snapshot would undo it.
      if (topic === 'seniors' || topic === 'hubs') state.held = [];
      let snapshot: unknown;
      try {
        snapshot = await plainSnapshot(this.deps, client.staff, topic, grant);
      } catch (err) {
        // Nothing will flush them: stop holding, or they would pile up for as long as the socket lives.
        delete state.held;
        throw err;
      }
      client.send({
        type: 'snapshot',
        topic,
        data: snapshot,
        ...(requestId !== undefined && { id: requestId }),
      });
      const held = state.held ?? [];
      delete state.held;
      for (const text of held) client.sendText(text);
      return;
    }
    const snapshot = await alertSnapshot(this.alerts, client.staff, data);
    client.send({ type: 'snapshot', topic, data: snapshot, id: snapshot.cursor });
    const buffered = state.pending ?? [];
    state.pending = null;
    const inSnapshot = new Map(snapshot.alerts.map((a) => [a.id, a.cursor]));
    for (const update of buffered) {
      if ((inSnapshot.get(update.id) ?? -1) < update.cursor) client.sendUpdate(update);
    }
  }

  private async onAlertRing(ring: AlertRing): Promise<void> {
    if (!ring?.alert?.seniorId) return;
    if (typeof ring.sentAt === 'number') this.observe.busLag?.(Math.max(0, Date.now() - ring.sentAt) / 1000);
    const alert: AlertUpdate = ring.escalation ? { ...ring.alert, escalation: ring.escalation } : ring.alert;
    if (this.registry.members('alerts').size === 0) return;
    const assigned = new Set((await this.seniors.assignedStaff(alert.seniorId)).map((a) => a.staffId));
    let text: string | undefined;
    for (const client of [...this.registry.members<DashboardConnection>('alerts')]) {
      if (client.staff.role !== 'admin' && !assigned.has(client.staff.id)) continue;
      const state = client.topics.get('alerts');
      if (!state) continue;
      if (state.pending) state.pending.push(alert);
      else {
        // Serialised once for every recipient: with thousands of dashboards this is most of the work.
        text ??= JSON.stringify({ type: 'update', topic: 'alerts', data: alert, id: alert.cursor });
        client.sendText(text);
      }
    }
  }

  /** SDP/ICE from the dashboard to the hub; only on a video topic this client subscribed to. */
  private async relaySignal(client: DashboardConnection, topic: string, data: unknown): Promise<void> {
    const sessionId = videoSessionOf(topic);
    const seniorId = client.topics.get(topic)?.seniorId;
    if (!sessionId || !seniorId)
      return client.error(topic, 'NOT_FOUND', 'subscribe to the video session first');
    if (JSON.stringify(data ?? null).length > MAX_SIGNAL_BYTES) {
      return client.error(topic, 'PAYLOAD_TOO_LARGE', `signal data exceeds ${MAX_SIGNAL_BYTES} bytes`);
    }
    await relayToHub(this.deps.bus, seniorId, sessionId, data);
  }

  /** Sends to every subscriber of a topic whose visibility was checked at subscribe. */
  private forward(topic: string, data: unknown, type: 'update' | 'signal' = 'update'): void {
    const members = this.registry.members<DashboardConnection>(topic);
    if (members.size === 0) return;
    const text = JSON.stringify({ type, topic, data });
    for (const client of [...members]) client.sendText(text);
  }

  /** Sends an update about one senior to the subscribers of a shared topic who may see that senior. */
  private async forwardVisible(topic: string, seniorId: string, data: unknown): Promise<void> {
    if (this.registry.members(topic).size === 0) return;
    const assigned = new Set((await this.seniors.assignedStaff(seniorId)).map((a) => a.staffId));
    const text = JSON.stringify({ type: 'update', topic, data });
    for (const client of [...this.registry.members<DashboardConnection>(topic)]) {
      if (client.staff.role !== 'admin' && !assigned.has(client.staff.id)) continue;
      const held = client.topics.get(topic)?.held;
      if (held) held.push(text);
      else client.sendText(text);
    }
  }

  /**
   * Queues a `seniors`/`hubs` update for the subscribers who may see `seniorId` (admins, and the staff
   * assigned at the time it fans out, so a carer assigned just now hears of their new senior).
   */
  private forwardDirectory(topic: 'seniors' | 'hubs', seniorId: string, data: unknown): void {
    this.directory = this.directory.then(() =>
      this.forwardVisible(topic, seniorId, data).catch((err) =>
        this.log.error({ err, topic }, 'failed to fan out a directory update'),
      ),
    );
  }

  private pingAll(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }

  /** Closes (4001) every dashboard of a staff member whose sessions were revoked or who was disabled. */
  disconnectStaff(staffId: string): void {
    for (const client of this.clients) {
      if (client.staff.id === staffId) client.ws.close(4001, 'signed out; log in again');
    }
  }

  /** Says `shutdown` to every client, closes them (1001), and stops listening to the bus. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pinger);
    this.unsubscribe?.();
    for (const client of this.clients) {
      client.send({
        type: 'shutdown',
        topic: '',
        data: { reason: 'server stopping; reconnect shortly' },
      });
      client.ws.close(1001, 'server stopping');
    }
    const deadline = Date.now() + 2000;
    while (this.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const client of this.clients) client.ws.terminate();
    this.wss.close();
    // Let a fan-out already under way finish its query before the database closes.
    await this.directory;
  }
}

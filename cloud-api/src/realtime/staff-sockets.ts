import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_WS_MESSAGE_BYTES, type StaffAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { ALERTS } from '../alerts/alert-ring.js';
import type { AuditLog } from '../audit/audit-log.js';
import { type AccessTokens, bearerToken } from '../auth/tokens.js';
import type { Bus } from '../bus/bus.js';
import { listen } from '../bus/channel.js';
import type { Clock } from '../clock.js';
import { ApiError } from '../http/errors.js';
import { HUBS } from '../hubs/hub-ring.js';
import { DELIVERIES } from '../notify/delivery-ring.js';
import { SAFETY_CHECKS } from '../safety/safety-check-ring.js';
import { EVENTS } from '../seniors/live-events.js';
import { SENIORS } from '../seniors/senior-ring.js';
import { EarlySignals } from '../video/early-signals.js';
import { relayToHub, VIDEO_SIGNALS } from '../video/video-relay.js';
import { socketPort } from './message-port.js';
import type { StaffContext } from './staff-context.js';
import { StaffFanOut } from './staff-fan-out.js';
import { handleStaffMessage } from './staff-handlers.js';
import { type MessageRate, StaffSession } from './staff-session.js';
import type { TopicAccess } from './topic-access.js';
import { TopicRegistry } from './topics.js';
import { rejectUpgrade } from './upgrade.js';

export interface StaffSocketLimits {
  /** Bytes waiting to be sent to one client before it is disconnected as too slow. */
  maxQueueBytes: number;
  /** Connections one staff member may have subscribed to the same topic on one instance. */
  maxConnectionsPerTopic: number;
  /** Interval of protocol pings; a client that misses one is dropped. */
  pingIntervalMs: number;
  /** Messages one connection may send; past it the socket is closed with 4429. */
  messageRate: MessageRate;
}

export const DEFAULT_SOCKET_LIMITS: StaffSocketLimits = {
  maxQueueBytes: 1024 * 1024,
  maxConnectionsPerTopic: 20,
  pingIntervalMs: 30_000,
  // A dashboard subscribes to a handful of topics and trickles ICE candidates; 1,000 subscribes in
  // 0.2 s is not a dashboard.
  messageRate: { burst: 60, perSecond: 10 },
};

/** An alert as pushed to one staff member (the shared `StaffAlert`). */
export type AlertUpdate = StaffAlert;

export interface StaffSocketsDeps {
  bus: Bus;
  log: Logger;
  tokens: AccessTokens;
  audit: Pick<AuditLog, 'record'>;
  access: TopicAccess;
  /** What the alert fan-out looks up (level, audience), on a pool of its own; `access` when absent. */
  fanOutAccess?: Pick<TopicAccess, 'alertLevel' | 'audience'>;
  clock: Clock;
}

/**
 * The staff WebSocket `/ws`, the transport edge: authenticates the upgrade, turns each socket into a
 * `StaffSession` fed to the handlers, listens to the bus for the fan-out, pings, and says `shutdown`
 * when stopping. A slow or flooding client is cut off, never the server.
 */
export class StaffSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  private readonly sessions = new Map<StaffSession, WebSocket>();
  private readonly registry: TopicRegistry;
  private readonly fanOut: StaffFanOut;
  private readonly early: EarlySignals;
  private readonly context: StaffContext;
  private readonly log: Logger;
  private readonly unsubscribers: (() => void)[] = [];
  private stopPinging: (() => void) | undefined;
  private stopping = false;

  constructor(
    private readonly deps: StaffSocketsDeps,
    private readonly limits: StaffSocketLimits = DEFAULT_SOCKET_LIMITS,
    private readonly observe: { sent?: (n: number) => void; busLag?: (seconds: number) => void } = {},
  ) {
    this.log = deps.log.child({ module: 'staff-ws' });
    this.registry = new TopicRegistry(limits.maxConnectionsPerTopic);
    this.fanOut = new StaffFanOut(this.registry, deps.fanOutAccess ?? deps.access, this.log);
    this.early = new EarlySignals(() => deps.clock.now().getTime());
    this.context = {
      earlySignals: this.early,
      access: deps.access,
      registry: this.registry,
      audit: deps.audit,
      relayToHub: (seniorId, sessionId, data) => relayToHub(deps.bus, seniorId, sessionId, data),
      log: this.log,
    };
  }

  /** Connected dashboards on this instance. */
  get clientCount(): number {
    return this.sessions.size;
  }

  /** Listens to the bus and starts pinging. */
  async start(): Promise<void> {
    const { bus } = this.deps;
    const log = this.log;
    const failed = (what: string) => (err: unknown) => log.error({ err }, `failed to fan out ${what}`);
    this.unsubscribers.push(
      await listen(
        bus,
        ALERTS,
        (ring) => {
          if (ring.sentAt !== undefined) this.observe.busLag?.(Math.max(0, Date.now() - ring.sentAt) / 1000);
          this.fanOut.alert(ring).catch(failed('an alert'));
        },
        log,
      ),
      await listen(
        bus,
        EVENTS,
        (ring) =>
          this.fanOut.forward(`senior:${ring.seniorId}`, { events: ring.events, omitted: ring.omitted }),
        log,
      ),
      await listen(
        bus,
        SAFETY_CHECKS,
        ({ check }) => this.fanOut.directoryUpdate('safety-checks', check.seniorId, check),
        log,
      ),
      await listen(
        bus,
        VIDEO_SIGNALS,
        (ring) => {
          const topic = `video:${ring.sessionId}`;
          // The viewer may not have subscribed yet: its subscription takes what it missed.
          if (this.registry.members(topic).size > 0) this.fanOut.forward(topic, ring.data, 'signal');
          else this.early.hold(topic, JSON.stringify({ type: 'signal', topic, data: ring.data }));
        },
        log,
      ),
      await listen(bus, SENIORS, (ring) => this.fanOut.directoryUpdate('seniors', ring.senior.id, ring), log),
      await listen(bus, HUBS, (ring) => this.fanOut.directoryUpdate('hubs', ring.hub.seniorId, ring), log),
      await listen(
        bus,
        DELIVERIES,
        (ring) => this.fanOut.deliveries(ring).catch(failed("an alert's deliveries")),
        log,
      ),
    );
    this.stopPinging = this.deps.clock.every(this.limits.pingIntervalMs, () => this.pingAll());
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
      (staff) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, staff)),
      (err: unknown) => {
        const e = err instanceof ApiError ? err : new ApiError(401, 'UNAUTHENTICATED', 'invalid token');
        rejectUpgrade(socket, 401, e.code, e.message);
      },
    );
    return true;
  }

  private accept(ws: WebSocket, staff: StaffSession['staff']): void {
    const session = new StaffSession(staff, socketPort(ws), {
      maxQueueBytes: this.limits.maxQueueBytes,
      rate: this.limits.messageRate,
      log: this.log,
      now: () => this.deps.clock.now().getTime(),
      onSent: () => this.observe.sent?.(1),
    });
    this.sessions.set(session, ws);
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      session.alive = true;
      if (isBinary) {
        if (session.admit()) session.error('', 'BAD_REQUEST', 'send JSON text messages');
        return;
      }
      void handleStaffMessage(this.context, session, data.toString());
    });
    ws.on('close', () => {
      this.sessions.delete(session);
      for (const topic of session.topics.keys()) this.registry.leave(topic, session);
    });
    ws.on('error', (err) => this.log.debug({ err }, 'dashboard socket error'));
  }

  private pingAll(): void {
    for (const [session, ws] of this.sessions) {
      if (!session.alive) {
        ws.terminate();
        continue;
      }
      session.alive = false;
      ws.ping();
    }
  }

  /** Closes (4001) every dashboard of a staff member whose sessions were revoked or who was disabled. */
  disconnectStaff(staffId: string): void {
    for (const [session, ws] of this.sessions) {
      if (session.staff.id === staffId) ws.close(4001, 'signed out; log in again');
    }
  }

  /** Says `shutdown` to every client, closes them (1001), and stops listening to the bus. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopPinging?.();
    for (const u of this.unsubscribers) u();
    for (const [session, ws] of this.sessions) {
      session.send({ type: 'shutdown', topic: '', data: { reason: 'server stopping; reconnect shortly' } });
      ws.close(1001, 'server stopping');
    }
    const deadline = Date.now() + 2000;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const ws of this.sessions.values()) ws.terminate();
    this.wss.close();
    // Let a fan-out already under way finish its query before the database closes.
    await this.fanOut.settled();
  }
}

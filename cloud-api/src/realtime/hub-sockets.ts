import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CONTROL_PROTOCOL_VERSION, MAX_WS_MESSAGE_BYTES } from '@hearth/shared';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { ALERTS } from '../alerts/alert-ring.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { bearerToken } from '../auth/tokens.js';
import type { Bus } from '../bus/bus.js';
import { listen } from '../bus/channel.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { HUB_COMMANDS, type ParsedHubCommand } from '../hubs/hub-commands.js';
import { HubPresence } from '../hubs/hub-presence.js';
import { ringHub } from '../hubs/hub-ring.js';
import type { HubStore } from '../hubs/hub-store.js';
import { SAFETY_CHECKS, type SafetyCheckRing } from '../safety/safety-check-ring.js';
import type { SafetyCheckDeadlines, SafetyCheckStore } from '../safety/safety-check-store.js';
import { relayFromHub } from '../video/video-relay.js';
import { type HubContext, handleHubMessage, type ReleaseHooks } from './hub-handlers.js';
import { CLOSE_HUB_KEY_INVALID, HubSession } from './hub-session.js';
import { socketPort } from './message-port.js';
import { rejectUpgrade } from './upgrade.js';

/** The paths a hub's control socket may use. */
const HUB_WS_PATHS = ['/api/v1/hub/ws', '/hub/ws'];

/** How far back a reconnecting hub is told what people did with its senior's alerts. */
export const HUB_CATCH_UP_MS = 7 * 24 * 3600_000;

export interface HubSocketsDeps {
  sql: Sql;
  bus: Bus;
  log: Logger;
  clock: Clock;
  hubs: HubStore;
  alerts: AlertStore;
  checks: SafetyCheckStore;
  /** How long each next hop of a safety check may take. */
  deadlines: SafetyCheckDeadlines;
  /** A check changed: rings it and raises the alert a failed check needs. Never throws. */
  checkChanged(ring: SafetyCheckRing): Promise<void>;
  /** Over-the-air releases: catch-up offers on hello, offers seen going down, update results. */
  releases?: ReleaseHooks;
}

/**
 * The hub's control channel `/api/v1/hub/ws` (outbound from the home, so it works behind NAT), the
 * transport edge: authenticates with the hub API key, turns each socket into a `HubSession` fed to
 * the handlers, and sends down what the bus rings for the hubs connected here (commands, handled
 * alerts, safety-check requests). The messages are the control contract in `@hearth/shared`.
 */
export class HubSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  private readonly sessions = new Map<string, Map<HubSession, WebSocket>>();
  private readonly log: Logger;
  private readonly context: HubContext;
  private readonly unsubscribers: (() => void)[] = [];
  private stopPinging: (() => void) | undefined;
  private stopping = false;
  private seen: Promise<void> = Promise.resolve();
  private presenceWrites: Promise<void> = Promise.resolve();
  private readonly links: HubPresence;

  constructor(
    private readonly deps: HubSocketsDeps,
    private readonly pingIntervalMs = 30_000,
  ) {
    this.log = deps.log.child({ module: 'hub-ws' });
    this.links = new HubPresence(deps.sql);
    this.context = {
      reportCheck: (seniorId, report) => deps.checks.report(seniorId, report, deps.deadlines),
      checkChanged: (change) => deps.checkChanged(change),
      relayFromHub: (hub, sessionId, data) => relayFromHub(deps.sql, deps.bus, hub, sessionId, data),
      releases: deps.releases,
      recordHello: async (hub, agentVersion) => {
        await deps.hubs.setAgentVersion(hub.hubId, agentVersion ?? null);
        await ringHub(deps, hub.hubId, 'seen', this.log);
      },
      log: this.log,
    };
  }

  /** Hubs whose control channel is open on this instance (they are heard from, uploads or not). */
  get connectedHubIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Hubs connected to this instance. */
  get hubCount(): number {
    return this.sessions.size;
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.unsubscribers.push(
      await listen(bus, HUB_COMMANDS, (command) => this.deliver(command), this.log),
      await listen(
        bus,
        ALERTS,
        ({ alert }) => {
          // The hub learns that a person has its alert in hand (or has closed it).
          if (alert.status === 'open') return;
          const send = (data: typeof alert) =>
            this.deliver({
              seniorId: alert.seniorId,
              message: { type: 'update', topic: 'alerts', data, id: alert.cursor },
            });
          // With the person's name, so the technician at the hub sees who has it; without, if the lookup fails.
          this.deps.alerts.withStaffNames(alert).then(send, (err: unknown) => {
            this.log.warn({ err, alertId: alert.id }, 'could not look up who handled the alert');
            send(alert);
          });
        },
        this.log,
      ),
      await listen(
        bus,
        SAFETY_CHECKS,
        ({ check, room }) => {
          if (check.status !== 'requested') return;
          this.deliver({
            seniorId: check.seniorId,
            message: {
              type: 'update',
              topic: 'safety-checks',
              data: { id: check.id, room: room ?? null, reason: check.detail },
            },
          });
        },
        this.log,
      ),
    );
    this.stopPinging = this.deps.clock.every(this.pingIntervalMs, () => {
      for (const set of this.sessions.values()) {
        for (const [session, ws] of set) {
          if (!session.alive) ws.terminate();
          session.alive = false;
          ws.ping();
        }
      }
      // Every instance reads presence from these rows; a row not refreshed goes stale.
      this.links
        .heartbeat(this.connectedHubIds)
        .catch((err: unknown) => this.log.warn({ err }, 'could not refresh hub presence'));
    });
  }

  /** Takes the upgrade when it is for the hub control path. @returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!HUB_WS_PATHS.includes(path)) return false;
    if (this.stopping) {
      rejectUpgrade(socket, 503, 'NOT_READY', 'server is shutting down');
      return true;
    }
    const key = bearerToken(req.headers.authorization);
    if (!key) {
      rejectUpgrade(socket, 401, 'UNAUTHENTICATED', 'send Authorization: Bearer <hub API key>');
      return true;
    }
    this.deps.hubs.authenticate(key).then(
      (found) => {
        if (!found.ok) {
          const revoked = found.reason === 'revoked';
          rejectUpgrade(
            socket,
            401,
            revoked ? 'HUB_REVOKED' : 'UNAUTHENTICATED',
            revoked ? 'this hub was deregistered' : 'unknown hub API key',
          );
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, found.hub.id, found.hub.senior_id));
      },
      (err: unknown) => {
        this.log.error({ err }, 'hub authentication failed');
        rejectUpgrade(socket, 503, 'NOT_READY', 'could not check the hub key');
      },
    );
    return true;
  }

  private accept(ws: WebSocket, hubId: string, seniorId: string): void {
    const session = new HubSession(hubId, seniorId, socketPort(ws));
    let set = this.sessions.get(hubId);
    if (!set) {
      set = new Map();
      this.sessions.set(hubId, set);
    }
    set.set(session, ws);
    this.markSeen(hubId, true);
    ws.on('pong', () => {
      session.alive = true;
    });
    // One message after another: a check's hops must be stored and rung in the order the hub sent them.
    let handled: Promise<void> = Promise.resolve();
    ws.on('message', (data) => {
      session.alive = true;
      const text = data.toString();
      handled = handled.then(() => handleHubMessage(this.context, session, text));
    });
    ws.on('close', () => {
      set.delete(session);
      if (set.size > 0) return;
      this.sessions.delete(hubId);
      void this.record(
        () => this.links.disconnected(hubId),
        hubId,
        'could not record a closed control socket',
      );
      // A stopping instance is not the hub going away: it reconnects to another one.
      if (!this.stopping) this.markSeen(hubId, false);
    });
    ws.on('error', (err) => this.log.debug({ err, hubId }, 'hub socket error'));
    // Recorded before the hello, so a request that follows the hub's connection finds it reachable.
    void this.record(
      () => this.links.connected(hubId),
      hubId,
      'could not record an open control socket',
    ).then(() =>
      session.send({
        type: 'ack',
        topic: 'hello',
        data: { hubId, seniorId, protocol: CONTROL_PROTOCOL_VERSION },
      }),
    );
    // What people did with the senior's alerts while this hub was away (the live ring missed it).
    const since = new Date(this.deps.clock.now().getTime() - HUB_CATCH_UP_MS);
    this.deps.alerts.recentlyHandled(seniorId, since).then(
      (alerts) => {
        for (const alert of alerts)
          session.send({ type: 'update', topic: 'alerts', data: alert, id: alert.cursor });
      },
      (err: unknown) => this.log.error({ err, hubId }, 'could not send the hub its handled alerts'),
    );
  }

  /** Runs presence writes one after another, so a quick close never lands before its open. Never rejects. */
  private record(write: () => Promise<void>, hubId: string, failure: string): Promise<void> {
    this.presenceWrites = this.presenceWrites
      .then(write)
      .catch((err: unknown) => this.log.warn({ err, hubId }, failure));
    return this.presenceWrites;
  }

  /** Records that the hub was just seen and tells the dashboards whether its control channel is open. */
  private markSeen(hubId: string, online: boolean): void {
    // One after another, so a quick reconnect never reaches the dashboards as connected-then-disconnected.
    this.seen = this.seen.then(async () => {
      try {
        if (online) await this.links.connected(hubId);
        else await this.links.disconnected(hubId);
        await this.deps.hubs.markSeen(hubId);
        await ringHub(this.deps, hubId, online ? 'connected' : 'disconnected', this.log);
      } catch (err) {
        this.log.warn({ err, hubId }, 'could not record when the hub was last seen');
      }
    });
  }

  /** Sends a command to the hubs it names that are connected to this instance. */
  private deliver(command: ParsedHubCommand): void {
    const targets: HubSession[] = [];
    if (command.hubId) targets.push(...(this.sessions.get(command.hubId)?.keys() ?? []));
    else if (command.hubIds) {
      for (const id of command.hubIds) targets.push(...(this.sessions.get(id)?.keys() ?? []));
    } else if (command.seniorId) {
      for (const set of this.sessions.values())
        for (const session of set.keys()) if (session.seniorId === command.seniorId) targets.push(session);
    }
    for (const session of targets) {
      if (command.disconnect) session.port.close(CLOSE_HUB_KEY_INVALID, 'hub key no longer valid');
      else if (command.message) {
        session.send(command.message);
        const m = command.message;
        if (m.type === 'update' && m.topic === 'release')
          this.deps.releases?.offered(session.hubId, m.data.version);
      }
    }
  }

  /** Says `shutdown` to every hub and closes the sockets (the hubs reconnect with backoff). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopPinging?.();
    for (const u of this.unsubscribers) u();
    for (const set of this.sessions.values()) {
      for (const [session, ws] of set) {
        session.send({ type: 'shutdown', topic: '', data: { reason: 'server stopping; reconnect shortly' } });
        ws.close(1001, 'server stopping');
      }
    }
    this.wss.close();
    await this.seen;
    await this.presenceWrites;
    // Its hubs are online again once they reconnect to another instance, not before.
    await this.links
      .releaseAll()
      .catch((err: unknown) => this.log.warn({ err }, 'could not release hub presence'));
  }
}

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_WS_MESSAGE_BYTES, summariseIssues, WsEnvelope } from '@hearth/shared';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { ALERTS_CHANNEL, type AlertRing } from '../alerts/alert-store.js';
import { bearerToken } from '../auth/tokens.js';
import type { CloudDeps } from '../deps.js';
import type { HubStore } from '../hubs/hub-store.js';
import { SAFETY_CHECKS_CHANNEL } from '../safety/routes.js';
import { relayFromHub, videoSessionOf } from '../video/video-relay.js';
import { ringHub } from './directory-feeds.js';
import { recentlyHandledAlerts, withStaffNames } from './hub-catch-up.js';
import { HUB_COMMANDS_CHANNEL, type HubCommand } from './hub-commands.js';
import { rejectUpgrade } from './upgrade.js';

/** The paths a hub's control socket may use. */
const HUB_WS_PATHS = ['/api/v1/hub/ws', '/hub/ws'];

/** A safety check's outcome as the hub reports it. */
export const SafetyCheckReport = z.object({
  id: z.uuid(),
  status: z.enum(['accepted', 'running', 'done', 'failed']),
  outcome: z.enum(['ok', 'no_response', 'needs_help', 'not_found', 'failed']).optional(),
  detail: z.string().max(500).optional(),
});

interface HubClient {
  hubId: string;
  seniorId: string;
  ws: WebSocket;
  alive: boolean;
}

/**
 * The hub's control channel `/api/v1/hub/ws` (outbound from the home, so it works behind NAT).
 * Down: alert acknowledgements/resolutions for its senior, safety-check requests, and anything
 * sent with `sendToHub`. Up: safety-check progress and results. Authenticated with the hub API key.
 */
export class HubSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  private readonly clients = new Map<string, Set<HubClient>>();
  private readonly log: Logger;
  private readonly unsubscribers: (() => void)[] = [];
  private pinger: NodeJS.Timeout | undefined;
  private stopping = false;
  private presence: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: CloudDeps,
    private readonly hubs: HubStore,
    private readonly pingIntervalMs = 30_000,
  ) {
    this.log = deps.log.child({ module: 'hub-ws' });
  }

  /** Hubs connected to this instance. */
  get hubCount(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.unsubscribers.push(
      await bus.subscribe(HUB_COMMANDS_CHANNEL, (m) => this.onCommand(m as HubCommand)),
      await bus.subscribe(ALERTS_CHANNEL, (m) => {
        const { alert } = m as AlertRing;
        // The hub learns that a person has its alert in hand (or has closed it).
        if (alert && alert.status !== 'open') {
          const send = (data: typeof alert) =>
            this.onCommand({
              seniorId: alert.seniorId,
              message: { type: 'update', topic: 'alerts', data, id: alert.cursor },
            });
          // With the person's name, so the technician at the hub sees who has it; without, if the lookup fails.
          withStaffNames(this.deps.sql, alert).then(send, (err: unknown) => {
            this.log.warn({ err, alertId: alert.id }, 'could not look up who handled the alert');
            send(alert);
          });
        }
      }),
      await bus.subscribe(SAFETY_CHECKS_CHANNEL, (m) => {
        const { check, room } = m as {
          check?: { id: string; seniorId: string; status: string; detail: string | null };
          room?: string | null;
        };
        if (check?.status === 'requested') {
          this.onCommand({
            seniorId: check.seniorId,
            message: {
              type: 'update',
              topic: 'safety-checks',
              data: { id: check.id, room: room ?? null, reason: check.detail },
            },
          });
        }
      }),
    );
    this.pinger = setInterval(() => {
      for (const set of this.clients.values()) {
        for (const c of set) {
          if (!c.alive) c.ws.terminate();
          c.alive = false;
          c.ws.ping();
        }
      }
    }, this.pingIntervalMs);
    this.pinger.unref();
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
    this.hubs.authenticate(key).then(
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
    const client: HubClient = { hubId, seniorId, ws, alive: true };
    let set = this.clients.get(hubId);
    if (!set) {
      set = new Set();
      this.clients.set(hubId, set);
    }
    set.add(client);
    this.markSeen(hubId, true);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data) => {
      client.alive = true;
      this.onMessage(client, data.toString()).catch((err) =>
        this.log.error({ err, hubId }, 'hub message failed'),
      );
    });
    ws.on('close', () => {
      set.delete(client);
      if (set.size > 0) return;
      this.clients.delete(hubId);
      // A stopping instance is not the hub going away: it reconnects to another one.
      if (!this.stopping) this.markSeen(hubId, false);
    });
    ws.on('error', (err) => this.log.debug({ err, hubId }, 'hub socket error'));
    this.send(client, { type: 'ack', topic: 'hello', data: { hubId, seniorId } });
    // What people did with the senior's alerts while this hub was away (the live ring missed it).
    recentlyHandledAlerts(this.deps.sql, seniorId).then(
      (alerts) => {
        for (const alert of alerts)
          this.send(client, { type: 'update', topic: 'alerts', data: alert, id: alert.cursor });
      },
      (err: unknown) => this.log.error({ err, hubId }, 'could not send the hub its handled alerts'),
    );
  }

  /** Records that the hub was just seen and tells the dashboards whether its control channel is open. */
  private markSeen(hubId: string, online: boolean): void {
    // One after another, so a quick reconnect never reaches the dashboards as connected-then-disconnected.
    this.presence = this.presence.then(async () => {
      try {
        await this.deps.sql`update hubs set last_seen_at = now() where id = ${hubId}`;
        await ringHub(this.deps, hubId, online ? 'connected' : 'disconnected', this.log, online);
      } catch (err) {
        this.log.warn({ err, hubId }, 'could not record when the hub was last seen');
      }
    });
  }

  private async onMessage(client: HubClient, text: string): Promise<void> {
    let parsed: ReturnType<typeof WsEnvelope.safeParse>;
    try {
      parsed = WsEnvelope.safeParse(JSON.parse(text));
    } catch {
      return this.send(client, {
        type: 'error',
        topic: '',
        data: { code: 'MALFORMED_JSON', message: 'message is not valid JSON' },
      });
    }
    if (!parsed.success) {
      return this.send(client, {
        type: 'error',
        topic: '',
        data: { code: 'VALIDATION_FAILED', message: summariseIssues(parsed.error) },
      });
    }
    const msg = parsed.data;
    if (msg.type === 'ping')
      return this.send(client, {
        type: 'pong',
        topic: msg.topic,
        ...(msg.id !== undefined && { id: msg.id }),
      });
    if (msg.type === 'update' && msg.topic === 'safety-checks') {
      const report = SafetyCheckReport.safeParse(msg.data);
      if (!report.success) {
        return this.send(client, {
          type: 'error',
          topic: msg.topic,
          data: { code: 'VALIDATION_FAILED', message: summariseIssues(report.error) },
        });
      }
      const r = report.data;
      // Only a check for this hub's own senior can be reported on.
      const [row] = await this.deps.sql<
        {
          id: string;
          senior_id: string;
          status: string;
          outcome: string | null;
          detail: string | null;
          requested_by: string | null;
          created_at: Date;
          updated_at: Date;
        }[]
      >`
        update safety_checks set status = ${r.status}, outcome = ${r.outcome ?? null}, detail = coalesce(${r.detail ?? null}, detail), updated_at = now()
        where id = ${r.id} and senior_id = ${client.seniorId} returning *`;
      if (!row)
        return this.send(client, {
          type: 'error',
          topic: msg.topic,
          data: { code: 'NOT_FOUND', message: 'safety check not found' },
        });
      const check = {
        id: row.id,
        seniorId: row.senior_id,
        requestedBy: row.requested_by,
        status: row.status,
        outcome: row.outcome,
        detail: row.detail,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
      };
      await this.deps.bus.publish(SAFETY_CHECKS_CHANNEL, { check }).catch(() => {});
      return this.send(client, {
        type: 'ack',
        topic: msg.topic,
        ...(msg.id !== undefined && { id: msg.id }),
      });
    }
    if (msg.type === 'signal') {
      const sessionId = videoSessionOf(msg.topic);
      if (!sessionId || !(await relayFromHub(this.deps.sql, this.deps.bus, client, sessionId, msg.data))) {
        return this.send(client, {
          type: 'error',
          topic: msg.topic,
          data: { code: 'NOT_FOUND', message: 'video session not found' },
        });
      }
      return;
    }
    if (msg.type === 'pong' || msg.type === 'ack') return;
    this.send(client, {
      type: 'error',
      topic: msg.topic,
      data: {
        code: 'BAD_REQUEST',
        message: `a hub may not send ${msg.type} on ${msg.topic || '(no topic)'}`,
      },
    });
  }

  private onCommand(command: HubCommand): void {
    const targets: HubClient[] = [];
    if (command.hubId) targets.push(...(this.clients.get(command.hubId) ?? []));
    else if (command.seniorId) {
      for (const set of this.clients.values())
        for (const c of set) if (c.seniorId === command.seniorId) targets.push(c);
    }
    for (const client of targets) {
      if (command.disconnect) client.ws.close(4001, 'hub key no longer valid');
      else if (command.message) this.send(client, command.message);
    }
  }

  private send(client: HubClient, msg: WsEnvelope): void {
    if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(msg));
  }

  /** Says `shutdown` to every hub and closes the sockets (the hubs reconnect with backoff). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pinger);
    for (const u of this.unsubscribers) u();
    for (const set of this.clients.values()) {
      for (const c of set) {
        this.send(c, { type: 'shutdown', topic: '', data: { reason: 'server stopping; reconnect shortly' } });
        c.ws.close(1001, 'server stopping');
      }
    }
    this.wss.close();
    await this.presence;
  }
}

import type { Alert, ErrorCode, WsMessageType } from '@hearth/shared';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AlertRing } from '../alerts/alert-store.js';
import type { StaffPrincipal } from '../http/env.js';

/** An alert as pushed: the shared Alert, plus the escalation step when that is what changed. */
export type AlertUpdate = Alert & { escalation?: AlertRing['escalation'] };

/** A subscription: updates buffered while its snapshot is read; the senior behind a video topic. */
export interface TopicState {
  pending: AlertUpdate[] | null;
  /** Feed updates (already serialised) that arrive while a `seniors`/`hubs` snapshot is read. */
  held?: string[];
  seniorId?: string;
}

type Outgoing = { type: WsMessageType; topic: string; data?: unknown; id?: string | number };

/**
 * One connected dashboard and its bounded send queue: a message that finds more than
 * `maxQueueBytes` still waiting closes the connection (1013) instead of growing the server's memory;
 * the dashboard reconnects and resumes from its cursor.
 */
export class DashboardConnection {
  /** Topics this dashboard is subscribed to. */
  readonly topics = new Map<string, TopicState>();
  /** Cleared at each ping, set by any sign of life; a connection still clear at the next ping is dropped. */
  alive = true;

  constructor(
    readonly staff: StaffPrincipal,
    readonly ws: WebSocket,
    private readonly maxQueueBytes: number,
    private readonly log: Logger,
    private readonly onSent: () => void = () => {},
  ) {}

  send(msg: Outgoing): void {
    this.sendText(JSON.stringify(msg));
  }

  /** Sends an already serialised message (a fan-out serialises once for every recipient). */
  sendText(text: string): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.maxQueueBytes) {
      this.log.warn(
        { staffId: this.staff.id, queued: ws.bufferedAmount },
        'dashboard too slow; disconnecting it',
      );
      ws.close(1013, 'send queue overflow; reconnect and resume from your cursor');
      setTimeout(() => ws.terminate(), 1000).unref();
      return;
    }
    ws.send(text);
    this.onSent();
  }

  sendUpdate(alert: AlertUpdate): void {
    this.send({ type: 'update', topic: 'alerts', data: alert, id: alert.cursor });
  }

  /** An `error` message with the code and words of the envelope, echoing the request's id. */
  error(topic: string, code: ErrorCode, message: string, id?: string | number): void {
    this.send({ type: 'error', topic, data: { code, message }, ...(id !== undefined && { id }) });
  }
}

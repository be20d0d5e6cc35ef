import type { ErrorCode, StaffAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import type { StaffPrincipal } from '../http/env.js';
import type { MessagePort } from './message-port.js';

/** A subscription: updates buffered while its snapshot is read; the senior behind a video topic. */
export interface TopicState {
  /** Alert updates that arrive while the `alerts` snapshot is read (null once it went out). */
  pending: StaffAlert[] | null;
  /**
   * Alerts the `alerts` snapshot carried, with their cursor: a bus ring of the same change that
   * arrives after the snapshot went out is not sent again (an entry goes once a newer change passes).
   */
  shown?: Map<string, number>;
  /** Feed updates (already serialised) that arrive while a `seniors`/`hubs` snapshot is read. */
  held?: string[];
  seniorId?: string;
}

/** How many messages one dashboard may send: a burst, refilled at a steady rate. */
export interface MessageRate {
  /** Messages that may arrive at once. */
  burst: number;
  /** Messages per second refilled after a burst. */
  perSecond: number;
}

/** Close code for a dashboard that sent faster than its message rate (4000–4999 are the application's). */
export const CLOSE_RATE_LIMITED = 4429;
/** Close code for a dashboard whose send queue overflowed (RFC 6455 1013, try again later). */
export const CLOSE_TOO_SLOW = 1013;

type Outgoing = { type: string; topic: string; data?: unknown; id?: string | number };

/**
 * One connected dashboard: who it is, what it subscribed to, and its bounded send queue. It writes to a
 * message port it does not own, so its handlers run in tests without a socket. A message that finds more
 * than `maxQueueBytes` still waiting closes the port (1013) instead of growing the server's memory; the
 * dashboard reconnects and resumes from its cursor.
 */
export class StaffSession {
  /** Topics this dashboard is subscribed to. */
  readonly topics = new Map<string, TopicState>();
  /** Cleared at each ping, set by any sign of life; a session still clear at the next ping is dropped. */
  alive = true;
  /** Audit entries already written for this connection, so a repeated subscribe is recorded once. */
  readonly audited = new Set<string>();
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly staff: StaffPrincipal,
    readonly port: MessagePort,
    private readonly options: {
      maxQueueBytes: number;
      rate: MessageRate;
      log: Logger;
      now?: () => number;
      onSent?: () => void;
    },
  ) {
    this.tokens = options.rate.burst;
    this.refilledAt = this.now();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * Counts one message received. @returns false when it is past the rate: the port is then closed
   * with CLOSE_RATE_LIMITED and the message must not be handled.
   */
  admit(): boolean {
    const { burst, perSecond } = this.options.rate;
    const t = this.now();
    this.tokens = Math.min(burst, this.tokens + ((t - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    if (this.port.open) {
      this.options.log.warn({ staffId: this.staff.id }, 'dashboard sent too fast; closing it');
      this.port.close(
        CLOSE_RATE_LIMITED,
        `message rate exceeded (${burst} at once, ${perSecond}/s); reconnect and send less`,
      );
    }
    return false;
  }

  send(msg: Outgoing): void {
    this.sendText(JSON.stringify(msg));
  }

  /**
   * Sends an already serialised message (a fan-out serialises, and encodes, once for every recipient).
   * Never waits for this dashboard: a message that finds more than `maxQueueBytes` still unread closes
   * it (CLOSE_TOO_SLOW) instead, so one slow reader cannot hold the others or grow the server's memory.
   */
  sendText(text: string | Uint8Array): void {
    const port = this.port;
    if (!port.open) return;
    if (port.bufferedAmount > this.options.maxQueueBytes) {
      this.options.log.warn(
        { staffId: this.staff.id, queued: port.bufferedAmount },
        'dashboard too slow; disconnecting it',
      );
      port.close(CLOSE_TOO_SLOW, 'send queue overflow; reconnect and resume from your cursor');
      return;
    }
    port.send(text);
    this.options.onSent?.();
  }

  sendAlert(alert: StaffAlert): void {
    this.send({ type: 'update', topic: 'alerts', data: alert, id: alert.cursor });
  }

  /** An `error` message with the code and words of the envelope, echoing the request's id. */
  error(topic: string, code: ErrorCode, message: string, id?: string | number): void {
    this.send({ type: 'error', topic, data: { code, message }, ...(id !== undefined && { id }) });
  }
}

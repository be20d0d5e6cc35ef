import { type Alert, type ModelAvailable, PROTOCOL_HEADER, PROTOCOL_VERSION } from '@hearth/shared';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Clock } from '../clock.js';
import {
  type ControlMessage,
  parseControlMessage,
  type SafetyCheckReport,
  type SafetyCheckRequest,
} from './control-messages.js';
import type { UplinkCredentials } from './uplink.js';

/** What the hub does with each message the cloud sends down. A handler that throws is logged; the channel stays up. */
export interface ControlHandlers {
  /** The cloud accepted this hub (its `hello`): the moment to catch up on anything sent while offline. */
  connected?(hello: { hubId: string; seniorId: string }): void;
  /** A person acknowledged or resolved one of the senior's alerts. */
  alertChanged(alert: Alert): void | Promise<void>;
  /** The senior's active model changed. */
  modelAvailable(notice: ModelAvailable): void | Promise<void>;
  /** An admin changed the senior's rule settings (not yet validated: the detector names a bad setting). */
  rulesChanged(rules: Record<string, unknown>): void | Promise<void>;
  /** Staff asked for a safety check; `report` sends its progress up (false when the channel is down). */
  safetyCheckRequested(
    request: SafetyCheckRequest,
    report: (update: SafetyCheckReport) => boolean,
  ): void | Promise<void>;
  /** Video signaling for a `video:<sessionId>` topic (answers go up through `send`). */
  videoSignal?(topic: string, data: unknown): void | Promise<void>;
}

export interface ControlChannelDeps {
  clock: Clock;
  log: Logger;
  /** Read at every connection attempt, so a new pairing or key is used without a restart. */
  credentials: () => UplinkCredentials | null;
  handlers: ControlHandlers;
  /** First reconnect delay and the ceiling of the exponential backoff, in ms (default 1 s, 5 min). */
  backoff?: { initialMs: number; maxMs: number };
  /** How often a ping proves the link alive; a link that missed one whole interval is cut (default 30 s). */
  pingEveryMs?: number;
  /** While unpaired or refused, how often to look for new credentials, in ms (default 15 s). */
  idlePollMs?: number;
  /** Longest the opening handshake may take, in ms (default 15 s). */
  handshakeTimeoutMs?: number;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

export type ControlChannelState =
  | 'unpaired'
  | 'connecting'
  | 'connected'
  | 'backing_off'
  | 'rejected'
  | 'stopped';

/** What `hearth status` shows about the control channel. */
export interface ControlChannelStatus {
  state: ControlChannelState;
  connected: boolean;
  /** When the cloud last sent anything (ms since the epoch), or null. */
  lastMessageAt: number | null;
  /** The last failure, in words a technician can act on, or null. */
  lastError: string | null;
}

/** Close code the cloud uses when this hub was deregistered or its key rotated. */
export const CLOSE_KEY_REVOKED = 4001;

/** Largest message the hub accepts from the cloud: an alert carries up to 50 pieces of evidence. */
const MAX_DOWN_BYTES = 1024 * 1024;

/**
 * The hub's one outbound WebSocket to the cloud (`/api/v1/hub/ws`, so it works behind home NAT).
 * Reconnects with exponential backoff and jitter, proves the link alive with pings, and passes each
 * validated message to its handler. A refused key (401 on the upgrade, or close code 4001) stops it
 * until the hub is paired again, exactly as the uplink does.
 */
export class ControlChannel {
  private socket: WebSocket | null = null;
  /** The credentials the current socket was opened with. */
  private using: UplinkCredentials | null = null;
  private failures = 0;
  /** The socket is being replaced because the credentials changed: reconnect without waiting. */
  private reconnectNow = false;
  private rejectedKey: string | null = null;
  private cancelTimer: () => void = () => {};
  private cancelPing: () => void = () => {};
  private closed: Promise<void> = Promise.resolve();
  private current: ControlChannelStatus = {
    state: 'stopped',
    connected: false,
    lastMessageAt: null,
    lastError: null,
  };

  constructor(private readonly deps: ControlChannelDeps) {}

  /** Opens the channel in the background; resolves at once. */
  async start(): Promise<void> {
    if (this.current.state !== 'stopped') return;
    this.current.state = 'connecting';
    this.connect();
  }

  /** Closes the socket and stops reconnecting; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.current.state = 'stopped';
    this.current.connected = false;
    this.cancelTimer();
    this.cancelPing();
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      socket.close(1001, 'hub stopping');
      // A cloud that never answers the close must not hold the agent's shutdown.
      const cancel = this.deps.clock.setTimeout(() => socket.terminate(), 2000);
      await this.closed;
      cancel();
    }
  }

  /** `hearth pair` wrote new credentials: connect with them now instead of waiting. */
  credentialsChanged(): void {
    if (this.current.state === 'stopped') return;
    const now = this.deps.credentials();
    const same =
      now && this.using && now.apiKey === this.using.apiKey && now.cloudUrl === this.using.cloudUrl;
    if (same && this.socket) return;
    this.failures = 0;
    if (this.socket) {
      this.reconnectNow = true;
      this.socket.terminate();
    } else this.connectNow();
  }

  status(): ControlChannelStatus {
    return { ...this.current };
  }

  /** Sends a message up. @returns false when the channel is not connected (nothing is queued). */
  send(message: { type: string; topic: string; data?: unknown; id?: string | number }): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  private connect(): void {
    if (this.current.state === 'stopped') return;
    const credentials = this.deps.credentials();
    const idle = this.deps.idlePollMs ?? 15_000;
    if (!credentials) {
      this.current.state = 'unpaired';
      this.retryIn(idle);
      return;
    }
    if (credentials.apiKey === this.rejectedKey) {
      this.current.state = 'rejected';
      this.retryIn(idle);
      return;
    }
    this.rejectedKey = null;
    let url: string;
    try {
      url = controlUrl(credentials.cloudUrl);
    } catch (error) {
      this.current.lastError = (error as Error).message;
      this.current.state = 'backing_off';
      this.retryIn(idle);
      return;
    }
    this.current.state = 'connecting';
    this.using = credentials;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, {
        headers: {
          authorization: `Bearer ${credentials.apiKey}`,
          [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        },
        handshakeTimeout: this.deps.handshakeTimeoutMs ?? 15_000,
        maxPayload: MAX_DOWN_BYTES,
      });
    } catch (error) {
      // A key with characters no HTTP header may carry: only pairing again can mend it.
      this.current.lastError = `cannot open the control channel: ${(error as Error).message}; pair the hub again with \`hearth pair\``;
      this.current.state = 'backing_off';
      this.deps.log.error({ reason: this.current.lastError }, 'control channel cannot start');
      this.retryIn(idle);
      return;
    }
    this.socket = socket;
    let refusedStatus: number | null = null;
    let alive = true;
    let lastError: string | null = null;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.cancelPing();
        if (this.socket === socket) this.socket = null;
        resolve();
        this.afterClose(credentials, code, reason.toString(), refusedStatus, lastError);
      });
    });
    socket.on('unexpected-response', (_req, res) => {
      refusedStatus = res.statusCode ?? 0;
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error) => {
      lastError = error.message;
    });
    socket.on('open', () => {
      this.current.connected = true;
      this.current.state = 'connected';
      const pingEvery = this.deps.pingEveryMs ?? 30_000;
      const beat = () => {
        // Nothing heard for a whole interval: the link is dead even if TCP has not noticed.
        if (!alive) {
          this.deps.log.warn({}, 'the cloud stopped answering on the control channel; reconnecting');
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
        this.cancelPing = this.deps.clock.setTimeout(beat, pingEvery);
      };
      this.cancelPing = this.deps.clock.setTimeout(beat, pingEvery);
    });
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', (data, isBinary) => {
      alive = true;
      this.current.lastMessageAt = this.deps.clock.now();
      if (isBinary) return this.deps.log.warn({ reason: 'binary frame' }, 'ignored a control message');
      this.dispatch(parseControlMessage(data.toString()));
    });
  }

  private afterClose(
    credentials: UplinkCredentials,
    code: number,
    reason: string,
    refusedStatus: number | null,
    error: string | null,
  ): void {
    const wasConnected = this.current.connected;
    this.current.connected = false;
    if (this.current.state === 'stopped') return;
    if (this.reconnectNow) {
      this.reconnectNow = false;
      this.connectNow();
      return;
    }
    if (code === CLOSE_KEY_REVOKED || refusedStatus === 401 || refusedStatus === 403) {
      this.rejectedKey = credentials.apiKey;
      this.current.state = 'rejected';
      this.current.lastError = `the cloud refused this hub's key (${refusedStatus ?? `closed ${code}`}${reason ? `: ${reason}` : ''}); pair the hub again with \`hearth pair\``;
      this.deps.log.error({ code, status: refusedStatus }, this.current.lastError);
      this.retryIn(this.deps.idlePollMs ?? 15_000);
      return;
    }
    this.current.lastError = refusedStatus
      ? `the cloud answered ${refusedStatus} to the control channel`
      : wasConnected
        ? `control channel closed (${code}${reason ? `: ${reason}` : ''})`
        : `cannot reach the cloud's control channel: ${error ?? `closed ${code}`}`;
    this.current.state = 'backing_off';
    const { initialMs, maxMs } = this.deps.backoff ?? { initialMs: 1000, maxMs: 300_000 };
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const delay = Math.round(ceiling * (0.5 + 0.5 * (this.deps.random ?? Math.random)()));
    this.deps.log.info({ reason: this.current.lastError, retryInMs: delay }, 'control channel down');
    this.retryIn(delay);
  }

  private connectNow(): void {
    this.cancelTimer();
    this.connect();
  }

  private retryIn(ms: number): void {
    this.cancelTimer();
    this.cancelTimer = this.deps.clock.setTimeout(() => this.connect(), ms);
  }

  private dispatch(message: ControlMessage | { kind: 'ignored'; reason: string }): void {
    const { handlers, log } = this.deps;
    const guard = (what: string, run: () => void | Promise<void>) => {
      try {
        Promise.resolve(run()).catch((error: unknown) =>
          log.error({ err: String(error), what }, 'a control message could not be handled'),
        );
      } catch (error) {
        log.error({ err: String(error), what }, 'a control message could not be handled');
      }
    };
    switch (message.kind) {
      case 'hello':
        this.failures = 0;
        this.current.lastError = null;
        log.info({ hubId: message.hubId }, 'control channel connected');
        guard('hello', () => handlers.connected?.(message));
        return;
      case 'alert':
        guard('alert', () => handlers.alertChanged(message.alert));
        return;
      case 'model':
        guard('model', () => handlers.modelAvailable(message.notice));
        return;
      case 'rules':
        guard('rules', () => handlers.rulesChanged(message.rules));
        return;
      case 'safety-check':
        guard('safety-check', () =>
          handlers.safetyCheckRequested(message.request, (update) =>
            this.send({ type: 'update', topic: 'safety-checks', data: update }),
          ),
        );
        return;
      case 'signal':
        if (handlers.videoSignal) guard('signal', () => handlers.videoSignal?.(message.topic, message.data));
        else log.warn({ topic: message.topic }, 'ignored a video signal: this hub has no video');
        return;
      case 'ping':
        this.send({ type: 'pong', topic: '', ...(message.id !== undefined && { id: message.id }) });
        return;
      case 'cloud-error':
        log.warn(
          { topic: message.topic, code: message.code, reason: message.message },
          'the cloud refused a message',
        );
        return;
      case 'shutdown':
        log.info({ reason: message.reason }, 'the cloud is restarting; the control channel will reconnect');
        return;
      case 'receipt':
        return;
      case 'ignored':
        log.warn({ reason: message.reason }, 'ignored a control message');
        return;
    }
  }
}

/** `http(s)://host[/prefix]` → `ws(s)://host[/prefix]/api/v1/hub/ws`. @throws for a URL that is not http(s). */
export function controlUrl(cloudUrl: string): string {
  const url = new URL(cloudUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`the cloud URL ${cloudUrl} is not http(s); pair the hub again with \`hearth pair\``);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/api/v1/hub/ws`;
  return url.toString();
}

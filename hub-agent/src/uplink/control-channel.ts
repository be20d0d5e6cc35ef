import {
  type AgentRelease,
  type Alert,
  type HubDownMessage,
  type HubUpMessage,
  type ModelAvailable,
  type Parsed,
  parseHubDown,
  type SafetyCheckReport,
  type SafetyCheckRequest,
} from '@hearth/shared';
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import type { Clock } from '../clock.js';
import type { CredentialsSource } from '../config/credentials-source.js';
import type { CloudLink, ControlClose, ControlPort } from './cloud-link.js';
import { dispatchDown } from './control-dispatch.js';
import type { UplinkCredentials } from './uplink.js';

/** What the hub does with each message the cloud sends down. A handler that throws is logged; the channel stays up. */
export interface ControlHandlers {
  /** The cloud accepted this hub (its `hello`): the moment to catch up on anything sent while offline. */
  connected?(hello: { hubId: string; seniorId: string; protocol?: number }): void;
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
  /** The cloud offers a release of the hub agent. */
  releaseOffered?(release: AgentRelease): void | Promise<void>;
  /** The cloud's receipt of an update result, naming the id it was sent with. */
  releaseAcknowledged?(id: string | number | undefined): void;
  /** Video signaling for a `video:<sessionId>` topic (answers go up through `send`). */
  videoSignal?(topic: string, data: unknown): void | Promise<void>;
}

export interface ControlChannelDeps {
  clock: Clock;
  log: Logger;
  /** A new pairing or key is used at once, without a restart. */
  credentials: CredentialsSource<UplinkCredentials>;
  link: CloudLink;
  handlers: ControlHandlers;
  /** The agent's release, said in the hub's hello: the hubs list shows it and the cloud offers releases by it. */
  agentVersion?: string;
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

/**
 * The hub's one outbound WebSocket to the cloud (`/api/v1/hub/ws`, so it works behind home NAT).
 * Reconnects with exponential backoff and jitter, proves the link alive with pings, and passes each
 * validated message to its handler. A refused key (401 on the upgrade, or close code 4001) stops it
 * until the hub is paired again, exactly as the uplink does.
 */
export class ControlChannel {
  private socket: ControlPort | null = null;
  /** The credentials the current socket was opened with. */
  private using: UplinkCredentials | null = null;
  private backoff: Backoff;
  private unsubscribe: () => void = () => {};
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

  constructor(private readonly deps: ControlChannelDeps) {
    this.backoff = new Backoff({
      ...(deps.backoff ?? { initialMs: 1000, maxMs: 300_000 }),
      ...(deps.random && { random: deps.random }),
    });
  }

  /** Opens the channel in the background; resolves at once. */
  async start(): Promise<void> {
    if (this.current.state !== 'stopped') return;
    this.current.state = 'connecting';
    this.unsubscribe = this.deps.credentials.onChange(() => this.credentialsChanged());
    this.connect();
  }

  /** Closes the socket and stops reconnecting; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.current.state = 'stopped';
    this.current.connected = false;
    this.unsubscribe();
    this.cancelTimer();
    this.cancelPing();
    const socket = this.socket;
    if (socket) {
      socket.close(1001, 'hub stopping');
      // A cloud that never answers the close must not hold the agent's shutdown.
      const cancel = this.deps.clock.setTimeout(() => socket.terminate(), 2000);
      await this.closed;
      cancel();
    }
  }

  /** The hub was paired (again) or its key changed: connect with the new credentials now instead of waiting. */
  private credentialsChanged(): void {
    if (this.current.state === 'stopped') return;
    const now = this.deps.credentials.current();
    const same =
      now && this.using && now.apiKey === this.using.apiKey && now.cloudUrl === this.using.cloudUrl;
    if (same && this.socket) return;
    this.backoff.reset();
    if (this.socket) {
      this.reconnectNow = true;
      this.socket.terminate();
    } else this.connectNow();
  }

  status(): ControlChannelStatus {
    return { ...this.current };
  }

  /** Sends a message up (a shape of the shared contract). @returns false when the channel is not connected (nothing is queued). */
  send(message: HubUpMessage): boolean {
    return this.socket?.send(JSON.stringify(message)) ?? false;
  }

  private connect(): void {
    if (this.current.state === 'stopped') return;
    const credentials = this.deps.credentials.current();
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
    this.current.state = 'connecting';
    this.using = credentials;
    let alive = true;
    let resolveClosed: () => void = () => {};
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    let socket: ControlPort;
    try {
      socket = this.deps.link.openControl(
        credentials,
        {
          open: () => {
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
          },
          pong: () => {
            alive = true;
          },
          message: (text) => {
            alive = true;
            this.current.lastMessageAt = this.deps.clock.now();
            if (text === null)
              return this.deps.log.warn({ reason: 'binary frame' }, 'ignored a control message');
            this.dispatch(parseHubDown(text));
          },
          close: (info) => {
            this.cancelPing();
            if (this.socket === socket) this.socket = null;
            resolveClosed();
            this.afterClose(credentials, info);
          },
        },
        { handshakeTimeoutMs: this.deps.handshakeTimeoutMs ?? 15_000 },
      );
    } catch (error) {
      // A URL that is not http(s), or a key with characters no HTTP header may carry: only pairing again mends it.
      const reason = (error as Error).message;
      this.current.lastError = reason.includes('hearth pair')
        ? reason
        : `cannot open the control channel: ${reason}; pair the hub again with \`hearth pair\``;
      this.current.state = 'backing_off';
      this.deps.log.error({ reason: this.current.lastError }, 'control channel cannot start');
      resolveClosed();
      this.retryIn(idle);
      return;
    }
    this.socket = socket;
  }

  private afterClose(
    credentials: UplinkCredentials,
    { code, reason, refusedStatus, error }: ControlClose,
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
    const delay = this.backoff.next();
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

  private dispatch(parsed: Parsed<HubDownMessage>): void {
    dispatchDown(parsed, {
      handlers: this.deps.handlers,
      log: this.deps.log,
      send: (message) => this.send(message),
      ...(this.deps.agentVersion !== undefined && { agentVersion: this.deps.agentVersion }),
      helloHeard: () => {
        this.backoff.reset();
        this.current.lastError = null;
      },
    });
  }
}

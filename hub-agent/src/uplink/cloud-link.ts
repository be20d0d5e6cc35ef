import { ErrorEnvelope, type ModelStatusReport, type SensorEvent } from '@hearth/shared';

/** Who the hub is to the cloud: where it is and the key it answers to. */
export interface CloudIdentity {
  cloudUrl: string;
  apiKey: string;
}

/** Bounds of one call: how long it may take, and a signal that abandons it (the agent stopping). */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What `GET /hub/model` came to. */
export type ModelDownload =
  | { kind: 'unchanged' }
  | { kind: 'none' }
  /** Announced larger than the hub accepts; not downloaded. */
  | { kind: 'too_large'; version: string; sha256?: string }
  | { kind: 'model'; bytes: Uint8Array; version: string; sha256?: string };

/**
 * A call the cloud did not answer as hoped. `status` is the HTTP status, or null when no answer
 * came (network, DNS, timeout, abandoned); `body` is what it answered, parsed when it was JSON.
 */
export class CloudLinkError extends Error {
  readonly code = 'CLOUD_LINK';
  constructor(
    message: string,
    readonly status: number | null,
    readonly body?: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A failed upload, with what the uplink should do about it. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly kind: 'retry' | 'rejected' | 'too_large' | 'refused',
    readonly retryAfterMs?: number,
    /** The HTTP status the cloud answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How the far end of the control channel closed (or never opened). */
export interface ControlClose {
  code: number;
  reason: string;
  /** The HTTP status when the cloud refused the upgrade (401/403 for a refused key), else null. */
  refusedStatus: number | null;
  /** The transport's last error, in words, or null. */
  error: string | null;
}

/** What the control port tells its owner. Each is called on the event loop, never re-entrantly. */
export interface ControlPortEvents {
  open(): void;
  /** A text frame; null for a binary frame (the contract has none). */
  message(text: string | null): void;
  /** The cloud answered a ping. */
  pong(): void;
  /** Called once, whether the port was ever open or not. */
  close(info: ControlClose): void;
}

/** The hub's end of `/api/v1/hub/ws`, as a message port that does not expose its transport. */
export interface ControlPort {
  /** True between `open` and `close`. */
  readonly isOpen: boolean;
  /** Sends a text frame. @returns false when the port is not open (nothing is queued). */
  send(text: string): boolean;
  /** Asks the cloud for a pong (a liveness check). No-op when not open. */
  ping(): void;
  /** Closes politely; `close` follows once the cloud answered (or `terminate` cut it). */
  close(code: number, reason: string): void;
  /** Cuts the port at once; `close` follows. */
  terminate(): void;
}

/**
 * Every conversation the hub has with the cloud, behind one interface: the real one speaks HTTP
 * and WebSocket, the fake is an in-memory cloud with `cut()`, `fail(n)` and `hang()`. Only the
 * composition root (agent.ts, the CLI) chooses which. No method retries: policy is the caller's.
 */
export interface CloudLink {
  /**
   * `POST /api/v1/hub/events` (gzip). Resolves with the cloud's `ackedThroughSeq`.
   * @throws UploadError whose `kind` says whether to retry (network, 5xx, 429 with its
   * Retry-After), stop (401/403: the key is refused), send smaller batches (413) or find the event
   * the cloud cannot accept (400/422 validation).
   */
  uploadEvents(who: CloudIdentity, events: SensorEvent[], options?: CallOptions): Promise<number>;
  /**
   * `GET /api/v1/hub/config`. Resolves with the body as JSON, unvalidated (the caller validates).
   * @throws CloudLinkError for any answer but 200, or none.
   */
  fetchConfig(who: CloudIdentity, options?: CallOptions): Promise<unknown>;
  /**
   * `GET /api/v1/hub/model`, naming the models the hub already has or refused (ETag).
   * @throws CloudLinkError for an answer other than 200/304/404, or none.
   */
  fetchModel(who: CloudIdentity, knownSha256: string[], options?: CallOptions): Promise<ModelDownload>;
  /** `POST /api/v1/hub/model/status`. @throws CloudLinkError when the cloud did not record it. */
  reportModelStatus(who: CloudIdentity, report: ModelStatusReport, options?: CallOptions): Promise<void>;
  /**
   * `POST /api/v1/hubs/claim` with a pairing code. Resolves with the body (unvalidated) on 200/201.
   * @throws CloudLinkError with the status and the error envelope otherwise.
   */
  claim(
    cloudUrl: string,
    request: { code: string; deviceId: string },
    options?: CallOptions,
  ): Promise<unknown>;
  /**
   * Opens the control channel. Events arrive through `events`.
   * @throws Error synchronously for a cloud URL or key that cannot be used at all (pair again).
   */
  openControl(
    who: CloudIdentity,
    events: ControlPortEvents,
    options?: { handshakeTimeoutMs?: number; maxPayloadBytes?: number },
  ): ControlPort;
}

/** `{error:{code,message}}` as `CODE: message`, or the start of the text. */
export function describeAnswer(body: unknown): string {
  const envelope = ErrorEnvelope.safeParse(body);
  if (envelope.success) return `${envelope.data.error.code}: ${envelope.data.error.message}`;
  return typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body ?? '').slice(0, 200);
}

/** What an upload answered with `status` means to the uplink; shared by the real link and the fake. */
export function uploadErrorFor(status: number, body: unknown, retryAfterMs?: number): UploadError {
  const detail = describeAnswer(body);
  if (status === 401 || status === 403) {
    return new UploadError(
      `the cloud refused this hub's key (${detail}); pair the hub again with \`hearth pair\``,
      'rejected',
      undefined,
      status,
    );
  }
  const envelope = ErrorEnvelope.safeParse(body);
  if (
    (status === 400 || status === 422) &&
    envelope.success &&
    envelope.data.error.code === 'VALIDATION_FAILED'
  )
    return new UploadError(`the cloud refused the batch's content (${detail})`, 'refused', undefined, status);
  if (status === 413)
    return new UploadError(`the cloud found a batch too large (${detail})`, 'too_large', undefined, status);
  return new UploadError(`the cloud answered ${status} (${detail})`, 'retry', retryAfterMs, status);
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

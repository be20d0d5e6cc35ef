import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  MAX_MODEL_BYTES,
  MODEL_SHA256_HEADER,
  MODEL_VERSION_HEADER,
  type ModelStatusReport,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type SensorEvent,
  UploadAck,
} from '@hearth/shared';
import WebSocket from 'ws';
import {
  type CallOptions,
  type CloudIdentity,
  type CloudLink,
  CloudLinkError,
  type ControlPort,
  type ControlPortEvents,
  controlUrl,
  describeAnswer,
  type ModelDownload,
  UploadError,
  uploadErrorFor,
} from './cloud-link.js';

const gzip = promisify(gzipCallback);

/** Largest message the hub accepts from the cloud: an alert carries up to 50 pieces of evidence. */
const MAX_DOWN_BYTES = 1024 * 1024;

const base = (cloudUrl: string) => cloudUrl.replace(/\/+$/, '');

/** The real link: `fetch` for HTTP, `ws` for the control channel. Thin on purpose: no retries, no state. */
export class HttpCloudLink implements CloudLink {
  async uploadEvents(who: CloudIdentity, events: SensorEvent[], options: CallOptions = {}): Promise<number> {
    const body = await gzip(JSON.stringify({ events }));
    let response: Response;
    try {
      response = await fetch(`${base(who.cloudUrl)}/api/v1/hub/events`, {
        method: 'POST',
        headers: {
          ...headers(who),
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        signal: signalOf(options, 30_000),
      });
    } catch (error) {
      throw new UploadError(`cannot reach the cloud at ${who.cloudUrl} (${causeOf(error)})`, 'retry');
    }
    const answer = await read(response);
    if (response.ok) {
      const parsed = UploadAck.safeParse(answer);
      if (!parsed.success)
        throw new UploadError('the cloud answered an upload with an unexpected body', 'retry');
      return parsed.data.ackedThroughSeq;
    }
    throw uploadErrorFor(response.status, answer, retryAfterMs(response));
  }

  async fetchConfig(who: CloudIdentity, options: CallOptions = {}): Promise<unknown> {
    const response = await this.call(who.cloudUrl, '/api/v1/hub/config', { headers: headers(who) }, options);
    const answer = await read(response);
    if (response.status !== 200) throw refused(response, answer);
    return answer;
  }

  async fetchModel(who: CloudIdentity, known: string[], options: CallOptions = {}): Promise<ModelDownload> {
    const response = await this.call(
      who.cloudUrl,
      '/api/v1/hub/model',
      {
        headers: {
          ...headers(who),
          ...(known.length > 0 && { 'if-none-match': known.map((s) => `"${s}"`).join(', ') }),
        },
      },
      { timeoutMs: 60_000, ...options },
    );
    if (response.status === 304 || response.status === 404) {
      await response.body?.cancel();
      return { kind: response.status === 304 ? 'unchanged' : 'none' };
    }
    if (response.status !== 200) throw refused(response, await read(response));
    const version = response.headers.get(MODEL_VERSION_HEADER) ?? 'unknown';
    const sha256 =
      response.headers.get(MODEL_SHA256_HEADER) ??
      response.headers.get('etag')?.replace(/^W\//, '').replaceAll('"', '') ??
      undefined;
    if (Number(response.headers.get('content-length') ?? 0) > MAX_MODEL_BYTES) {
      await response.body?.cancel();
      return { kind: 'too_large', version, ...(sha256 && { sha256 }) };
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new CloudLinkError(`the model download broke off (${causeOf(error)})`, null);
    }
    return { kind: 'model', bytes, version, ...(sha256 && { sha256 }) };
  }

  async reportModelStatus(
    who: CloudIdentity,
    report: ModelStatusReport,
    options: CallOptions = {},
  ): Promise<void> {
    const response = await this.call(
      who.cloudUrl,
      '/api/v1/hub/model/status',
      {
        method: 'POST',
        headers: { ...headers(who), 'content-type': 'application/json' },
        body: JSON.stringify(report),
      },
      options,
    );
    const answer = await read(response);
    if (!response.ok) throw refused(response, answer);
  }

  async claim(cloudUrl: string, request: { code: string; deviceId: string }, options: CallOptions = {}) {
    const response = await this.call(
      cloudUrl,
      '/api/v1/hubs/claim',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) },
      options,
    );
    const answer = await read(response);
    if (response.status !== 200 && response.status !== 201) throw refused(response, answer);
    return answer;
  }

  openControl(
    who: CloudIdentity,
    events: ControlPortEvents,
    options: { handshakeTimeoutMs?: number; maxPayloadBytes?: number } = {},
  ): ControlPort {
    const socket = new WebSocket(controlUrl(who.cloudUrl), {
      headers: headers(who),
      handshakeTimeout: options.handshakeTimeoutMs ?? 15_000,
      maxPayload: options.maxPayloadBytes ?? MAX_DOWN_BYTES,
    });
    let refusedStatus: number | null = null;
    let lastError: string | null = null;
    socket.on('unexpected-response', (_req, res) => {
      refusedStatus = res.statusCode ?? 0;
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error) => {
      lastError = error.message;
    });
    socket.on('open', () => events.open());
    socket.on('pong', () => events.pong());
    socket.on('message', (data, isBinary) => events.message(isBinary ? null : data.toString()));
    socket.on('close', (code, reason) =>
      events.close({ code, reason: reason.toString(), refusedStatus, error: lastError }),
    );
    return {
      get isOpen() {
        return socket.readyState === WebSocket.OPEN;
      },
      send(text) {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(text);
        return true;
      },
      ping: () => {
        if (socket.readyState === WebSocket.OPEN) socket.ping();
      },
      close: (code, reason) => {
        if (socket.readyState !== WebSocket.CLOSED) socket.close(code, reason);
      },
      terminate: () => socket.terminate(),
    };
  }

  private async call(
    cloudUrl: string,
    path: string,
    init: RequestInit,
    options: CallOptions,
  ): Promise<Response> {
    try {
      return await fetch(`${base(cloudUrl)}${path}`, { ...init, signal: signalOf(options, 15_000) });
    } catch (error) {
      throw new CloudLinkError(`cannot reach the cloud at ${cloudUrl} (${causeOf(error)})`, null);
    }
  }
}

function headers(who: CloudIdentity): Record<string, string> {
  return { authorization: `Bearer ${who.apiKey}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
}

function signalOf(options: CallOptions, defaultTimeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs);
  return options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
}

/** The network error's code (ECONNREFUSED, ENOTFOUND…) when it has one: what a technician can look up. */
function causeOf(error: unknown): string {
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message ?? String(error);
}

async function read(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function refused(response: Response, answer: unknown): CloudLinkError {
  return new CloudLinkError(
    `the cloud answered ${response.status} (${describeAnswer(answer)})`,
    response.status,
    answer,
    retryAfterMs(response),
  );
}

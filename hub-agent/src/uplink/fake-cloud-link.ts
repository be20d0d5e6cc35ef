import { randomUUID } from 'node:crypto';
import { type ModelStatusReport, type SensorEvent, UploadBatch } from '@hearth/shared';
import {
  type CallOptions,
  type CloudIdentity,
  type CloudLink,
  CloudLinkError,
  type ControlPort,
  type ControlPortEvents,
  type ModelDownload,
  UploadError,
  uploadErrorFor,
} from './cloud-link.js';

/** A hub the in-memory cloud knows, and what it holds for it. */
export interface MemoryHub {
  hubId: string;
  seniorId: string;
  apiKey: string;
  /** Events held by seq, first write wins (as in the real cloud). */
  events: Map<number, SensorEvent>;
  /** Seqs uploaded again with other content: a hub reusing a seq (never a marker for a held seq). */
  conflicts: number[];
}

/** The cloud's side of one control session, for tests to talk to the hub. */
export interface FakeControlSession {
  readonly hubId: string;
  /** Frames the hub sent, parsed. */
  readonly received: unknown[];
  /** Sends a frame down to the hub. */
  deliver(message: unknown): void;
  /** Closes from the cloud's side with a close code (4001: the key was revoked). */
  close(code: number, reason?: string): void;
}

const isMarker = (e: SensorEvent) =>
  e.sensorId === 'hub' && typeof e.value === 'string' && e.value.startsWith('reading_');

/**
 * A cloud in memory that keeps the hub contract: keys, idempotent storage by `(hubId, seq)`, the
 * highest gap-free seq as the acknowledgement, config, one model and the control channel. It is
 * checked against the real `hearth-cloud` by the uplink suite, which runs on both.
 */
export class MemoryCloud implements CloudLink {
  readonly hubs = new Map<string, MemoryHub>();
  readonly pairingCodes = new Map<string, string>();
  readonly sessions: FakeControlSession[] = [];
  readonly modelReports: ModelStatusReport[] = [];
  /** What `GET /hub/config` answers besides the identity fields. */
  home: Record<string, unknown> = { seniorName: 'Ada Lovelace', timezone: 'Europe/London' };
  model: { bytes: Uint8Array; version: string; sha256: string } | null = null;

  /** Registers a hub for a senior (a new one by default) and returns its identity. */
  addHub(seniorId: string = randomUUID()): MemoryHub {
    const hub: MemoryHub = {
      hubId: randomUUID(),
      seniorId,
      apiKey: `hk_${randomUUID()}`,
      events: new Map(),
      conflicts: [],
    };
    this.hubs.set(hub.apiKey, hub);
    return hub;
  }

  async uploadEvents(who: CloudIdentity, events: SensorEvent[]): Promise<number> {
    const hub = this.hubs.get(who.apiKey);
    if (!hub) throw uploadErrorFor(401, { error: { code: 'UNAUTHENTICATED', message: 'unknown hub key' } });
    const parsed = UploadBatch.safeParse({ events });
    if (!parsed.success)
      throw uploadErrorFor(400, { error: { code: 'VALIDATION_FAILED', message: parsed.error.message } });
    if (events.some((e) => e.hubId !== hub.hubId))
      throw uploadErrorFor(403, { error: { code: 'HUB_MISMATCH', message: 'event from another hub' } });
    for (const event of parsed.data.events) {
      const held = hub.events.get(event.seq);
      if (!held) hub.events.set(event.seq, event);
      else if (JSON.stringify(held) !== JSON.stringify(event) && !isMarker(held) && !isMarker(event))
        hub.conflicts.push(event.seq);
    }
    let acked = 0;
    while (hub.events.has(acked + 1)) acked++;
    return acked;
  }

  async fetchConfig(who: CloudIdentity): Promise<unknown> {
    const hub = this.authorised(who);
    return { hubId: hub.hubId, seniorId: hub.seniorId, ...this.home };
  }

  async fetchModel(who: CloudIdentity, known: string[]): Promise<ModelDownload> {
    this.authorised(who);
    if (!this.model) return { kind: 'none' };
    if (known.includes(this.model.sha256)) return { kind: 'unchanged' };
    return { kind: 'model', ...this.model, bytes: new Uint8Array(this.model.bytes) };
  }

  async reportModelStatus(who: CloudIdentity, report: ModelStatusReport): Promise<void> {
    this.authorised(who);
    this.modelReports.push(report);
  }

  async claim(_cloudUrl: string, request: { code: string; deviceId: string }): Promise<unknown> {
    const seniorId = this.pairingCodes.get(request.code);
    if (!seniorId) {
      const body = { error: { code: 'NOT_FOUND', message: 'pairing code unknown, used or expired' } };
      throw new CloudLinkError('the cloud answered 404', 404, body);
    }
    this.pairingCodes.delete(request.code);
    const hub = this.addHub(seniorId);
    return { hubId: hub.hubId, apiKey: hub.apiKey, seniorId };
  }

  openControl(who: CloudIdentity, events: ControlPortEvents): ControlPort {
    const hub = this.hubs.get(who.apiKey);
    let open = false;
    let closed = false;
    const finish = (code: number, reason: string, refusedStatus: number | null) => {
      if (closed) return;
      closed = true;
      open = false;
      queueMicrotask(() => events.close({ code, reason, refusedStatus, error: null }));
    };
    const received: unknown[] = [];
    if (hub) {
      this.sessions.push({
        hubId: hub.hubId,
        received,
        deliver: (message) => {
          if (open) queueMicrotask(() => events.message(JSON.stringify(message)));
        },
        close: (code, reason = '') => finish(code, reason, null),
      });
    }
    queueMicrotask(() => {
      if (closed) return;
      if (!hub) return finish(1006, '', 401);
      open = true;
      events.open();
      events.message(
        JSON.stringify({ type: 'ack', topic: 'hello', data: { hubId: hub.hubId, seniorId: hub.seniorId } }),
      );
    });
    return {
      get isOpen() {
        return open;
      },
      send(text) {
        if (!open) return false;
        received.push(JSON.parse(text));
        return true;
      },
      ping: () => {
        if (open) queueMicrotask(() => events.pong());
      },
      close: (code, reason) => finish(code, reason, null),
      terminate: () => finish(1006, '', null),
    };
  }

  private authorised(who: CloudIdentity): MemoryHub {
    const hub = this.hubs.get(who.apiKey);
    if (!hub)
      throw new CloudLinkError('the cloud answered 401', 401, {
        error: { code: 'UNAUTHENTICATED', message: 'unknown hub key' },
      });
    return hub;
  }
}

/** Makes any link fail on command: the fake's `cut()`, `fail(n)`, `hang()`, run in front of the real cloud too. */
export class FaultyCloudLink implements CloudLink {
  /** Every upload the cloud behind took (its seqs, in order), failures injected here excluded. */
  readonly batches: number[][] = [];
  /** Upload attempts, answered or not. */
  uploads = 0;
  private isCut = false;
  private readonly faults: ({ kind: 'fail'; status: number } | { kind: 'hang' })[] = [];
  private resets = 0;
  private refusal: { when: (e: SensorEvent) => boolean; status: number } | null = null;
  private readonly ports = new Set<ControlPort>();

  constructor(readonly inner: CloudLink) {}

  /** Nothing gets through (like a pulled network cable) until `restore()`; open control ports drop. */
  cut(): void {
    this.isCut = true;
    for (const port of this.ports) port.terminate();
  }

  restore(): void {
    this.isCut = false;
  }

  /** The next `count` requests answer `status` (503 by default) without reaching the cloud. */
  fail(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'fail', status });
  }

  /** The next `count` requests are never answered, until their caller gives up. */
  hang(count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'hang' });
  }

  /** The next `count` uploads reach the cloud, then the answer is lost. */
  resetAfterCommit(count = 1): void {
    this.resets += count;
  }

  /** Uploads containing an event that matches are answered `status` (400: refused, 500: the cloud crashes on it). */
  refuseWhen(when: ((e: SensorEvent) => boolean) | null, status = 400): void {
    this.refusal = when && { when, status };
  }

  /** Forgets the faults still queued, the refusal and the record of batches: a clean start for the next test. */
  reset(): void {
    this.faults.length = 0;
    this.resets = 0;
    this.refusal = null;
    this.isCut = false;
    this.batches.length = 0;
    this.uploads = 0;
  }

  async uploadEvents(who: CloudIdentity, events: SensorEvent[], options: CallOptions = {}): Promise<number> {
    this.uploads++;
    await this.gate(who, options, (status) => uploadErrorFor(status, envelope(status)));
    if (this.refusal && events.some(this.refusal.when)) {
      const status = this.refusal.status;
      throw uploadErrorFor(status, {
        error: { code: status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL', message: 'refused by the test' },
      });
    }
    const acked = await this.inner.uploadEvents(who, events, options);
    this.batches.push(events.map((e) => e.seq));
    if (this.resets > 0) {
      this.resets--;
      throw new UploadError(`cannot reach the cloud at ${who.cloudUrl} (ECONNRESET)`, 'retry');
    }
    return acked;
  }

  async fetchConfig(who: CloudIdentity, options: CallOptions = {}): Promise<unknown> {
    await this.gate(who, options, linkError);
    return this.inner.fetchConfig(who, options);
  }

  async fetchModel(who: CloudIdentity, known: string[], options: CallOptions = {}): Promise<ModelDownload> {
    await this.gate(who, options, linkError);
    return this.inner.fetchModel(who, known, options);
  }

  async reportModelStatus(who: CloudIdentity, report: ModelStatusReport, options: CallOptions = {}) {
    await this.gate(who, options, linkError);
    return this.inner.reportModelStatus(who, report, options);
  }

  async claim(cloudUrl: string, request: { code: string; deviceId: string }, options: CallOptions = {}) {
    await this.gate({ cloudUrl, apiKey: '' }, options, linkError);
    return this.inner.claim(cloudUrl, request, options);
  }

  openControl(
    who: CloudIdentity,
    events: ControlPortEvents,
    options?: { handshakeTimeoutMs?: number; maxPayloadBytes?: number },
  ): ControlPort {
    if (this.isCut) {
      queueMicrotask(() =>
        events.close({ code: 1006, reason: '', refusedStatus: null, error: 'connect ECONNREFUSED (cut)' }),
      );
      return { isOpen: false, send: () => false, ping() {}, close() {}, terminate() {} };
    }
    const port = this.inner.openControl(
      who,
      {
        ...events,
        close: (info) => {
          this.ports.delete(port);
          events.close(info);
        },
      },
      options,
    );
    this.ports.add(port);
    return port;
  }

  /** Applies the next queued fault: resolves to let the call through, throws what the fault makes of it. */
  private async gate(
    who: CloudIdentity,
    options: CallOptions,
    failure: (status: number) => Error,
  ): Promise<void> {
    if (this.isCut) throw unreachable(who, failure);
    const fault = this.faults.shift();
    if (!fault) return;
    if (fault.kind === 'fail') throw failure(fault.status);
    await new Promise<never>((_, reject) => {
      const timer = setTimeout(() => abandon(), options.timeoutMs ?? 30_000);
      const abandon = () => {
        clearTimeout(timer);
        reject(unreachable(who, failure, 'abandoned'));
      };
      if (options.signal?.aborted) abandon();
      options.signal?.addEventListener('abort', abandon, { once: true });
    });
  }
}

function envelope(status: number) {
  return { error: { code: status >= 500 ? 'INTERNAL' : 'FAILED', message: 'the cloud is having a bad day' } };
}

function linkError(status: number): Error {
  return new CloudLinkError(`the cloud answered ${status}`, status, envelope(status));
}

function unreachable(who: CloudIdentity, failure: (status: number) => Error, why = 'ECONNREFUSED'): Error {
  const message = `cannot reach the cloud at ${who.cloudUrl} (${why})`;
  return failure === linkError ? new CloudLinkError(message, null) : new UploadError(message, 'retry');
}

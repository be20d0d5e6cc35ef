import type { ModelStatusReport, SensorEvent } from '@hearth/shared';
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

/** Makes any link fail on command: the fake's `cut()`, `fail(n)`, `hang()`, run in front of the real cloud too. */
export class FaultyCloudLink implements CloudLink {
  /** Every upload the cloud behind took (its seqs, in order), failures injected here excluded. */
  readonly batches: number[][] = [];
  /** Upload attempts, answered or not. */
  uploads = 0;
  private isCut = false;
  private readonly faults: ({ kind: 'fail'; status: number } | { kind: 'hang' })[] = [];
  private resets = 0;
  private readonly held: Promise<void>[] = [];
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

  /**
   * The next upload waits before reaching the cloud until the returned function is called (a slow
   * cloud, with the request in flight for as long as the test likes).
   */
  hold(): () => void {
    let release = () => {};
    this.held.push(new Promise<void>((resolve) => (release = resolve)));
    return () => release();
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
    this.held.length = 0;
    this.resets = 0;
    this.refusal = null;
    this.isCut = false;
    this.batches.length = 0;
    this.uploads = 0;
  }

  async uploadEvents(who: CloudIdentity, events: SensorEvent[], options: CallOptions = {}): Promise<number> {
    this.uploads++;
    await this.gate(who, options, (status) => uploadErrorFor(status, envelope(status)));
    await this.held.shift();
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

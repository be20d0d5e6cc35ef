import { MAX_BATCH_EVENTS, type SensorEvent } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { OutboxStore } from '../store/outbox.js';
import { postEvents, UploadError } from './cloud-client.js';
import { buildOrderedBatch, gapMarker, refusedMarker, toWireEvent } from './wire.js';

/** Where and as whom the hub uploads; null until the hub is paired. */
export interface UplinkCredentials {
  cloudUrl: string;
  hubId: string;
  apiKey: string;
  /** The senior whose home this is; decides what happens to the backlog when the hub is paired again. */
  seniorId?: string;
}

export interface UplinkDeps {
  store: OutboxStore;
  clock: Clock;
  log: Logger;
  /** Read before every attempt, so pairing or a new key takes effect without a restart. */
  credentials: () => UplinkCredentials | null;
  /** Events per request, at most MAX_BATCH_EVENTS (default). */
  batchSize?: number;
  /** First retry delay and the ceiling of the exponential backoff, in ms. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often to look for work when nothing kicked the uplink, in ms. */
  idlePollMs?: number;
  /** Routine readings wait this long to travel together (alerts never wait), in ms; default 2000. */
  lingerMs?: number;
  /** A request that takes longer is abandoned and retried, in ms. */
  requestTimeoutMs?: number;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  /**
   * The same batch answered with a server error (500, not a proxy's 502/503/504) this many times in a
   * row is searched for a reading that crashes the cloud, as a refused one is (default 3).
   */
  serverErrorsBeforeSearch?: number;
}

export type UplinkState = 'unpaired' | 'idle' | 'uploading' | 'backing_off' | 'rejected' | 'stopped';

/** What `hearth status` shows about the link to the cloud. */
export interface UplinkStatus {
  state: UplinkState;
  /** True when the last request reached the cloud and was accepted. */
  connected: boolean;
  /** When the cloud last confirmed a batch (ms since the epoch), or null. */
  lastUploadAt: number | null;
  /** The last failure, in words a technician can act on, or null. */
  lastError: string | null;
  consecutiveFailures: number;
}

/**
 * Sends the outbox to the cloud in seq order, gzip-compressed, in batches. The cursor moves only
 * to the cloud's `ackedThroughSeq`; failures back off exponentially with jitter; a rejected key
 * stops uploads until the technician pairs again. When a backlog is longer than one batch, the
 * alerts in it go first so staff hear of them without waiting for the whole backlog.
 */
export class Uplink {
  private stopped = true;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private current: UplinkStatus = {
    state: 'stopped',
    connected: false,
    lastUploadAt: null,
    lastError: null,
    consecutiveFailures: 0,
  };
  /** Alerts beyond the cursor already sent ahead of their turn; they are not sent early twice. */
  private alertsSentThrough = 0;
  private rejectedKey: string | null = null;
  private cancelLinger: (() => void) | null = null;
  /** Seqs of events the cloud refused as invalid; a marker is sent in their place. */
  private readonly refused = new Set<number>();
  /** Batches were shrunk to find a refused event; they grow back after the next success. */
  private refusalSearch = false;
  private refusedInARow = 0;
  private serverErrorsInARow = 0;
  /** The single event a 500 search suspects, and how often the cloud took another event meanwhile. */
  private suspect: { seq: number; confirmations: number } | null = null;
  /** The last seq of the batch that started the search: once the cursor passes it, batches grow back. */
  private searchEnd = 0;
  private stopping = new AbortController();
  private batchSize: number;
  private readonly configuredBatchSize: number;

  constructor(private readonly deps: UplinkDeps) {
    this.batchSize = Math.min(deps.batchSize ?? MAX_BATCH_EVENTS, MAX_BATCH_EVENTS);
    this.configuredBatchSize = this.batchSize;
  }

  /** Begins uploading in the background; resolves at once. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = new AbortController();
    this.current.lastUploadAt = this.deps.store.stats().lastUploadAt;
    this.running = this.loop();
  }

  /** Finishes the request in flight (or abandons the wait) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.cancelLinger?.();
    this.cancelLinger = null;
    this.wake?.();
    await this.running;
    this.current.state = 'stopped';
  }

  /**
   * Tells the uplink there is something new to send. Urgent news (an alert) goes at once; routine
   * readings wait up to `lingerMs` so a busy home sends one request per few seconds, not one per
   * reading. Urgent news also cuts a backoff short: an alert committed during an outage is tried at
   * once rather than after up to `backoff.maxMs`; routine readings wait for the backoff to end.
   */
  kick(urgent = true): void {
    if (urgent) {
      this.wake?.();
      return;
    }
    if (this.current.state === 'backing_off' || this.cancelLinger) return;
    this.cancelLinger = this.deps.clock.setTimeout(() => {
      this.cancelLinger = null;
      if (this.current.state !== 'backing_off') this.wake?.();
    }, this.deps.lingerMs ?? 2000);
  }

  status(): UplinkStatus {
    return { ...this.current };
  }

  private async loop(): Promise<void> {
    const idle = this.deps.idlePollMs ?? 30_000;
    while (!this.stopped) {
      const credentials = this.deps.credentials();
      if (!credentials) {
        this.current.state = 'unpaired';
        await this.sleep(idle);
        continue;
      }
      if (this.rejectedKey === credentials.apiKey) {
        await this.sleep(idle);
        continue;
      }
      this.rejectedKey = null;
      const base = this.seqBase(credentials);
      const batch = this.nextBatch(credentials.hubId);
      if (batch.events.length === 0) {
        this.current.state = 'idle';
        await this.sleep(idle);
        continue;
      }
      this.current.state = 'uploading';
      try {
        const wire = base === 0 ? batch.events : batch.events.map((e) => ({ ...e, seq: e.seq - base }));
        const acked =
          (await postEvents(credentials, wire, this.deps.requestTimeoutMs ?? 30_000, this.stopping.signal)) +
          base;
        const before = this.deps.store.ackedThroughSeq();
        const after = this.deps.store.acknowledge(acked, this.deps.clock.now());
        if (batch.early) this.alertsSentThrough = Math.max(this.alertsSentThrough, batch.early);
        this.current.connected = true;
        this.current.lastUploadAt = this.deps.clock.now();
        this.current.lastError = null;
        this.current.consecutiveFailures = 0;
        this.serverErrorsInARow = 0;
        if (batch.events.some((e) => !this.refused.has(e.seq))) this.refusedInARow = 0;
        if (this.refusalSearch && (this.refused.size > 0 || after >= this.searchEnd)) {
          this.refusalSearch = false;
          this.batchSize = this.configuredBatchSize;
        }
        if (!batch.early && after < batch.events[batch.events.length - 1]!.seq && after === before) {
          // The cloud kept the batch but holds a gap below it: resending at full speed cannot help.
          throw new UploadError(
            `the cloud holds events only through seq ${acked}, below this hub's cursor ${before}; its history has a gap`,
            'retry',
          );
        }
        this.deps.log.debug({ sent: batch.events.length, ackedThroughSeq: after }, 'uploaded');
      } catch (error) {
        await this.failed(error, credentials.apiKey, batch.events, () =>
          this.cloudAcceptsOthers(credentials, base, batch.events[0]!.seq),
        );
      }
    }
  }

  /**
   * The cloud numbers each hub identity's events from 1. When the hub is paired again (a new hub
   * id), uploads continue under the new identity from its cursor: readings not yet uploaded still
   * go, for the same home. Paired to another senior's home, the previous home's backlog stays on
   * this hub (it is someone else's record) and only what happens from now on is uploaded.
   */
  private seqBase(credentials: UplinkCredentials): number {
    const store = this.deps.store;
    if (store.getSetting('uplink.hubId') === credentials.hubId)
      return Number(store.getSetting('uplink.seqBase') ?? 0);
    const previous = store.getSetting('uplink.hubId');
    const sameHome =
      previous === undefined || store.getSetting('uplink.seniorId') === (credentials.seniorId ?? '');
    let base = 0;
    if (previous !== undefined) {
      if (!sameHome) {
        const withheld = store.lastSeq() - store.ackedThroughSeq();
        // A deliberate handover, not an upload: the previous home's readings are kept here, not sent.
        store.acknowledge(store.lastSeq(), this.deps.clock.now());
        this.deps.log.warn(
          { withheld, previousHub: previous },
          "paired to another home: the previous home's backlog stays on this hub",
        );
      }
      base = store.ackedThroughSeq();
    }
    // The hub id last: it marks the switch as done, so a crash in between only repeats it.
    store.setSetting('uplink.seqBase', String(base));
    store.setSetting('uplink.seniorId', credentials.seniorId ?? '');
    store.setSetting('uplink.hubId', credentials.hubId);
    this.alertsSentThrough = 0;
    return base;
  }

  /** Alerts waiting behind more than one batch of backlog go first; otherwise the next in-order run. */
  private nextBatch(hubId: string): { events: SensorEvent[]; early?: number } {
    const store = this.deps.store;
    const cursor = store.ackedThroughSeq();
    const held = store.pending(this.batchSize);
    const lastSeq = store.lastSeq();
    const ordered = buildOrderedBatch(
      cursor,
      held,
      held.length < this.batchSize,
      lastSeq,
      this.batchSize,
      hubId,
      this.deps.clock.now(),
    );
    const lastOrdered = ordered[ordered.length - 1]?.seq ?? cursor;
    if (lastOrdered < lastSeq) {
      // Every waiting alert, even those in the next ordered batch: the first request after an
      // outage then carries all of them. The cloud keeps the second copy only once.
      const early = store
        .pendingAlerts(this.batchSize, Math.max(cursor, this.alertsSentThrough))
        .map((e) => toWireEvent(e, hubId));
      if (early.length > 0) return { events: this.markRefused(early), early: early[early.length - 1]!.seq };
    }
    return { events: this.markRefused(ordered) };
  }

  private markRefused(events: SensorEvent[]): SensorEvent[] {
    if (this.refused.size === 0) return events;
    return events.map((e) => (this.refused.has(e.seq) ? refusedMarker(e) : e));
  }

  private async failed(
    error: unknown,
    apiKey: string,
    sent: SensorEvent[],
    cloudAcceptsOthers: () => Promise<boolean>,
  ): Promise<void> {
    // Stopping aborted the request: nothing failed, the batch goes again at the next start.
    if (this.stopped) return;
    const failure =
      error instanceof UploadError
        ? error
        : new UploadError(error instanceof Error ? error.message : String(error), 'retry');
    this.current.connected = false;
    this.current.lastError = failure.message;
    if (failure.kind === 'rejected') {
      this.rejectedKey = apiKey;
      this.current.state = 'rejected';
      this.deps.log.error({ reason: failure.message }, 'uploads stopped: the cloud refused the hub key');
      return;
    }
    const crash = this.crashesTheCloud(failure);
    if (crash) {
      this.deps.log.warn(
        { status: failure.status, events: sent.length, reason: failure.message },
        'the cloud keeps failing on this batch; looking for the reading it cannot take',
      );
    } else if (failure.kind === 'refused') {
      this.serverErrorsInARow = 0;
    }
    if (failure.kind === 'refused' || crash) {
      // One event the cloud cannot accept must not block the rest: halve until it is found, then
      // send a marker in its seq. The event itself stays in the outbox on this hub.
      if (sent.length > 1) {
        this.batchSize = Math.max(1, Math.floor(sent.length / 2));
        if (!this.refusalSearch) this.searchEnd = sent[sent.length - 1]!.seq;
        this.refusalSearch = true;
        return;
      }
      const [event] = sent;
      // A 500 is circumstantial: the event is judged only when the cloud, asked twice, takes another
      // event at once and fails on this one again; a passing fault cannot cost a real reading.
      let proven = failure.kind === 'refused';
      if (event && crash) {
        const confirmed = this.suspect?.seq === event.seq ? this.suspect.confirmations : 0;
        if (await cloudAcceptsOthers()) {
          this.suspect = { seq: event.seq, confirmations: confirmed + 1 };
          if (confirmed + 1 < 2) return;
          proven = true;
        } else this.suspect = null;
      }
      // Several in a row means the cloud refuses this hub's events in general (a newer schema?):
      // replacing them all would empty the record, so wait and say so instead.
      if (event && proven && this.refusedInARow < 3) {
        this.suspect = null;
        this.refusedInARow += 1;
        this.refused.add(event.seq);
        this.deps.log.error(
          { seq: event.seq, sensorId: event.sensorId, kind: event.kind, reason: failure.message },
          'the cloud refused an event; it stays on this hub and a marker takes its place in the upload',
        );
        return;
      }
    }
    if (failure.kind === 'too_large' && this.batchSize > 1) {
      this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
    }
    this.current.consecutiveFailures += 1;
    const { initialMs, maxMs } = this.deps.backoff ?? { initialMs: 1000, maxMs: 5 * 60_000 };
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.current.consecutiveFailures - 1, 30));
    // Jitter between half and the whole ceiling: hubs that lost the cloud together do not return together.
    const random = this.deps.random ?? Math.random;
    const delay = Math.max(failure.retryAfterMs ?? 0, ceiling / 2 + (random() * ceiling) / 2);
    this.current.state = 'backing_off';
    this.deps.log.warn(
      { reason: failure.message, retryInMs: Math.round(delay), failures: this.current.consecutiveFailures },
      'upload failed',
    );
    await this.sleep(delay);
  }

  /**
   * A 500 that repeats for one batch says the cloud's application fails on its content (a 502, 503
   * or 504 says the cloud is down or overloaded: never a reason to suspect a reading). Once a search
   * is under way each 500 halves again at once, so a poisoned reading costs a few requests, not an
   * hour of backoff; the `refusedInARow` guard still keeps a broken cloud from emptying the record.
   */
  private crashesTheCloud(failure: UploadError): boolean {
    const status = failure.status;
    if (failure.kind !== 'retry' || status === undefined || status < 500 || [502, 503, 504].includes(status))
      return false;
    if (this.refusalSearch) return true;
    this.serverErrorsInARow += 1;
    return this.serverErrorsInARow >= (this.deps.serverErrorsBeforeSearch ?? 3);
  }

  /**
   * Sends one event the cloud should take (a marker for a seq it already holds, or the next event
   * after the suspect): true when it answered with an acknowledgement, proving it healthy.
   */
  private async cloudAcceptsOthers(
    credentials: UplinkCredentials,
    base: number,
    suspectSeq: number,
  ): Promise<boolean> {
    const store = this.deps.store;
    const cursor = store.ackedThroughSeq();
    const next = store.pending(1, suspectSeq)[0];
    const probe =
      cursor > base
        ? gapMarker(cursor, this.deps.clock.now(), credentials.hubId)
        : next && this.markRefused([toWireEvent(next, credentials.hubId)])[0];
    if (!probe) return false;
    try {
      await postEvents(
        credentials,
        [{ ...probe, seq: probe.seq - base }],
        this.deps.requestTimeoutMs ?? 30_000,
        this.stopping.signal,
      );
      return true;
    } catch {
      return false;
    }
  }

  /** Waits on the hub's clock; `kick()` or `stop()` end the wait early. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.deps.clock.setTimeout(() => done(), ms);
      const done = () => {
        cancel();
        this.wake = null;
        resolve();
      };
      this.wake = done;
      if (this.stopped) done();
    });
  }
}

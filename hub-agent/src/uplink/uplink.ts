// Over 400 lines: the upload loop, its backoff, the alerts-first batch choice and the batch posted
// ahead share one cursor; the refused-event search and the hub identity switch already live beside it.
import { MAX_BATCH_EVENTS, type SensorEvent, UPLOADS_IN_FLIGHT } from '@hearth/shared';
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import type { Clock } from '../clock.js';
import type { CredentialsSource } from '../config/credentials-source.js';
import type { SettingsTable } from '../store/hub-state.js';
import type { OutboxStore } from '../store/outbox.js';
import { type CloudLink, UploadError } from './cloud-link.js';
import { seqBaseFor } from './hub-identity.js';
import { RefusalSearch } from './refusal-search.js';
import { buildOrderedBatch, gapMarker, toWireEvent } from './wire.js';

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
  /** Where the uplink remembers which hub identity it uploads as (and from which seq). */
  settings: SettingsTable;
  link: CloudLink;
  clock: Clock;
  log: Logger;
  /** Pairing or a new key takes effect at once, without a restart. */
  credentials: CredentialsSource<UplinkCredentials>;
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

interface Prefetched {
  hubId: string;
  /** The cursor the batch follows. */
  after: number;
  /** The batch size it was read with. */
  size: number;
  events: SensorEvent[];
}

/** The cloud's answer to one upload, settled either way. */
type Answer = { ok: true; acked: number } | { ok: false; error: unknown };

/** A batch posted while the one before it was still in flight. */
interface Ahead extends Prefetched {
  /** The seq base of the hub identity it was numbered for. */
  base: number;
  answer: Promise<Answer>;
}

const settle = (posting: Promise<number>): Promise<Answer> =>
  posting.then(
    (acked) => ({ ok: true, acked }),
    (error: unknown) => ({ ok: false, error }),
  );

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
  /** The ordered batch after the one in flight, read while the cloud stored that one. */
  private prefetched: Prefetched | null = null;
  /** The ordered batch after the one in flight, already posted (a backlog keeps two in flight). */
  private ahead: Ahead | null = null;
  private cancelLinger: (() => void) | null = null;
  private stopping = new AbortController();
  private readonly search: RefusalSearch;
  private readonly backoff: Backoff;
  private unsubscribe: () => void = () => {};

  constructor(private readonly deps: UplinkDeps) {
    this.search = new RefusalSearch({
      log: deps.log,
      batchSize: Math.min(deps.batchSize ?? MAX_BATCH_EVENTS, MAX_BATCH_EVENTS),
      ...(deps.serverErrorsBeforeSearch && { serverErrorsBeforeSearch: deps.serverErrorsBeforeSearch }),
    });
    this.backoff = new Backoff({
      ...(deps.backoff ?? { initialMs: 1000, maxMs: 5 * 60_000 }),
      ...(deps.random && { random: deps.random }),
    });
  }

  /** Begins uploading in the background; resolves at once. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = new AbortController();
    this.current.lastUploadAt = this.deps.store.stats().lastUploadAt;
    // Paired again, or a new key: try at once (a refused key is worth retrying only when it changed).
    this.unsubscribe = this.deps.credentials.onChange(() => this.kick());
    this.running = this.loop();
  }

  /** Finishes the request in flight (or abandons the wait) and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.stopping.abort();
    this.cancelLinger?.();
    this.cancelLinger = null;
    this.wake?.();
    await this.running;
    // A batch posted ahead was aborted with the rest; after a restart it is chosen afresh.
    this.ahead = null;
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
    return { ...this.current, consecutiveFailures: this.backoff.failures };
  }

  private async loop(): Promise<void> {
    const idle = this.deps.idlePollMs ?? 30_000;
    while (!this.stopped) {
      const credentials = this.deps.credentials.current();
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
      const { base, switched } = seqBaseFor(credentials, {
        outbox: this.deps.store,
        settings: this.deps.settings,
        now: () => this.deps.clock.now(),
        log: this.deps.log,
      });
      if (switched) this.alertsSentThrough = 0;
      const batch =
        (await this.takeAhead(credentials.hubId, base)) ??
        this.takePrefetched(credentials.hubId) ??
        this.nextBatch(credentials.hubId);
      if (batch.events.length === 0) {
        this.current.state = 'idle';
        await this.sleep(idle);
        continue;
      }
      this.current.state = 'uploading';
      try {
        await this.send(credentials, base, batch);
      } catch (error) {
        await this.failed(error, credentials.apiKey, batch.events, () =>
          this.cloudAcceptsOthers(credentials, base, batch.events[0]!.seq),
        );
      }
    }
  }

  private async send(
    credentials: UplinkCredentials,
    base: number,
    batch: { events: SensorEvent[]; early?: number; answer?: Promise<Answer> },
  ): Promise<void> {
    this.prefetched = null;
    const posting = batch.answer ?? settle(this.post(credentials, base, batch.events));
    // While the cloud stores this batch, the hub reads the next one from its disk and, in a steady
    // backlog, posts it at once: the cloud then reads and checks one batch while its database stores
    // the other. It stores a batch above a gap and acknowledges only gap-free runs, so which of the
    // two it takes first changes nothing.
    const last = batch.events[batch.events.length - 1]!.seq;
    const next = batch.early ? null : this.prefetch(credentials.hubId, last);
    if (next && UPLOADS_IN_FLIGHT > 1 && this.search.steady() && !this.alertWaits(last)) {
      this.ahead = { ...next, base, answer: settle(this.post(credentials, base, next.events)) };
    }
    const answer = await posting;
    if (!answer.ok) throw answer.error;
    const before = this.deps.store.ackedThroughSeq();
    // Monotonic: when the cloud stored the batch ahead first, this answer is the one that falls short
    // and the cursor has already passed it.
    const after = this.deps.store.acknowledge(answer.acked + base, this.deps.clock.now());
    if (batch.early) this.alertsSentThrough = Math.max(this.alertsSentThrough, batch.early);
    this.current.connected = true;
    this.current.lastUploadAt = this.deps.clock.now();
    this.current.lastError = null;
    this.backoff.reset();
    this.search.accepted(batch.events, after);
    if (next && after === last && !this.ahead) this.prefetched = next;
    if (!batch.early && after < last && after === before) {
      // The cloud kept the batch but holds a gap below it: resending at full speed cannot help.
      throw new UploadError(
        `the cloud holds events only through seq ${answer.acked + base}, below this hub's cursor ${before}; its history has a gap`,
        'retry',
      );
    }
    this.deps.log.debug({ sent: batch.events.length, ackedThroughSeq: after }, 'uploaded');
  }

  /**
   * The batch already posted ahead, when it is still the one to send: the cursor reached it and the
   * hub identity and batch size are unchanged. Otherwise null says to choose afresh; what it
   * acknowledges still counts when its answer comes.
   */
  private async takeAhead(
    hubId: string,
    base: number,
  ): Promise<{ events: SensorEvent[]; answer: Promise<Answer> } | null> {
    const a = this.ahead;
    this.ahead = null;
    if (!a) return null;
    const store = this.deps.store;
    const sameIdentity = a.hubId === hubId && a.base === base;
    if (sameIdentity && a.size === this.search.batchSize() && store.ackedThroughSeq() === a.after) {
      return { events: a.events, answer: a.answer };
    }
    const heard = a.answer.then((answer) => {
      if (answer.ok && sameIdentity && !this.stopped)
        store.acknowledge(answer.acked + base, this.deps.clock.now());
    });
    // The cursor passed it: the cloud has just answered, so its answer is near, and waiting saves
    // sending again what it carries. After a failure it is not waited for: an alert must not wait
    // behind a request that may hang.
    if (store.ackedThroughSeq() > a.after) await heard;
    return null;
  }

  /** True when an alert beyond `through` (and not yet sent early) waits to go first. */
  private alertWaits(through: number): boolean {
    return this.deps.store.pendingAlerts(1, Math.max(through, this.alertsSentThrough)).length > 0;
  }

  /** Posts events numbered for the current hub identity; resolves with the cloud's acknowledgement. */
  private post(credentials: UplinkCredentials, base: number, events: SensorEvent[]): Promise<number> {
    const wire = base === 0 ? events : events.map((e) => ({ ...e, seq: e.seq - base }));
    return this.deps.link.uploadEvents(credentials, wire, {
      timeoutMs: this.deps.requestTimeoutMs ?? 30_000,
      signal: this.stopping.signal,
    });
  }

  /**
   * The batch after `through`, as `nextBatch` will want it once the cloud acknowledges `through`; null
   * when the backlog ends before a full batch (the next batch is then read fresh, with what arrives).
   */
  private prefetch(hubId: string, through: number): Prefetched | null {
    const size = this.search.batchSize();
    const held = this.deps.store.pending(size, through);
    if (held.length < size) return null;
    const events = this.search.markRefused(
      buildOrderedBatch(through, held, false, held[held.length - 1]!.seq, size, hubId, this.deps.clock.now()),
    );
    return { hubId, after: through, size, events };
  }

  /**
   * The prefetched batch, if it is still what `nextBatch` would choose: the cursor reached it, the hub
   * identity and the search's batch size are unchanged, and no alert waits to go first.
   */
  private takePrefetched(hubId: string): { events: SensorEvent[] } | null {
    const p = this.prefetched;
    this.prefetched = null;
    if (!p || p.hubId !== hubId || p.size !== this.search.batchSize()) return null;
    const store = this.deps.store;
    if (store.ackedThroughSeq() !== p.after) return null;
    // Any alert waiting beyond what was sent early makes `nextBatch` send alerts first.
    if (this.alertWaits(p.after)) return null;
    return { events: p.events };
  }

  /** Alerts waiting behind more than one batch of backlog go first; otherwise the next in-order run. */
  private nextBatch(hubId: string): { events: SensorEvent[]; early?: number } {
    const store = this.deps.store;
    const size = this.search.batchSize();
    const cursor = store.ackedThroughSeq();
    const held = store.pending(size);
    const lastSeq = store.lastSeq();
    const ordered = buildOrderedBatch(
      cursor,
      held,
      held.length < size,
      lastSeq,
      size,
      hubId,
      this.deps.clock.now(),
    );
    const lastOrdered = ordered[ordered.length - 1]?.seq ?? cursor;
    if (lastOrdered < lastSeq) {
      // Every waiting alert, even those in the next ordered batch: the first request after an
      // outage then carries all of them. The cloud keeps the second copy only once.
      const early = store
        .pendingAlerts(size, Math.max(cursor, this.alertsSentThrough))
        .map((e) => toWireEvent(e, hubId));
      if (early.length > 0)
        return { events: this.search.markRefused(early), early: early[early.length - 1]!.seq };
    }
    return { events: this.search.markRefused(ordered) };
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
    if ((await this.search.failed(failure, sent, cloudAcceptsOthers)) === 'again') return;
    if (failure.kind === 'too_large') this.search.tooLarge();
    const delay = Math.max(failure.retryAfterMs ?? 0, this.backoff.next());
    this.current.state = 'backing_off';
    this.deps.log.warn(
      { reason: failure.message, retryInMs: delay, failures: this.backoff.failures },
      'upload failed',
    );
    await this.sleep(delay);
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
        : next && this.search.markRefused([toWireEvent(next, credentials.hubId)])[0];
    if (!probe) return false;
    try {
      await this.post(credentials, base, [probe]);
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

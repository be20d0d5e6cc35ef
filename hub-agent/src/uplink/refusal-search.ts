import type { SensorEvent } from '@hearth/shared';
import type { Logger } from 'pino';
import type { UploadError } from './cloud-link.js';
import { refusedMarker } from './wire.js';

/** What the uplink does after a failure the search looked at. */
export type SearchVerdict =
  /** Try again at once: a smaller batch, or the next event now that a marker stands in for one. */
  | 'again'
  /** Not the content's fault (or not proven): wait out the backoff. */
  | 'back_off';

/**
 * Finds the one event the cloud cannot take, so it cannot hold back the rest of a home's uploads.
 * A batch refused as invalid (400/422), or one that keeps crashing the cloud's application (500),
 * is halved until the event is isolated; a marker then takes its seq in the upload and the event
 * itself stays on the hub. A 502/503/504 is the cloud being down and never starts a search.
 */
export class RefusalSearch {
  /** Seqs of events the cloud refused; a marker is sent in their place. */
  private readonly refused = new Set<number>();
  private searching = false;
  /** The last seq of the batch that started the search: once the cursor passes it, batches grow back. */
  private searchEnd = 0;
  private refusedInARow = 0;
  private serverErrorsInARow = 0;
  /** The single event a 500 search suspects, and how often the cloud took another event meanwhile. */
  private suspect: { seq: number; confirmations: number } | null = null;
  private size: number;

  constructor(
    private readonly deps: {
      log: Logger;
      /** Events per request outside a search. */
      batchSize: number;
      /** The same batch answered 500 this many times in a row starts a search (default 3). */
      serverErrorsBeforeSearch?: number;
    },
  ) {
    this.size = deps.batchSize;
  }

  /** Events per request now: smaller while searching or after a 413. */
  batchSize(): number {
    return this.size;
  }

  /** True when no search is under way and batches are full size: the uplink may post ahead. */
  steady(): boolean {
    return !this.searching && this.size === this.deps.batchSize && this.serverErrorsInARow === 0;
  }

  /** A 413: the cloud wants smaller requests. */
  tooLarge(): void {
    this.size = Math.max(1, Math.floor(this.size / 2));
  }

  /** `events` with a marker in place of each event the cloud refused. */
  markRefused(events: SensorEvent[]): SensorEvent[] {
    if (this.refused.size === 0) return events;
    return events.map((e) => (this.refused.has(e.seq) ? refusedMarker(e) : e));
  }

  /** The cloud took `sent` and now holds everything through `ackedThrough`. */
  accepted(sent: SensorEvent[], ackedThrough: number): void {
    this.serverErrorsInARow = 0;
    if (sent.some((e) => !this.refused.has(e.seq))) this.refusedInARow = 0;
    if (this.searching && (this.refused.size > 0 || ackedThrough >= this.searchEnd)) {
      this.searching = false;
      this.size = this.deps.batchSize;
    }
  }

  /**
   * Looks at a failed upload of `sent`. `cloudAcceptsOthers` sends one event the cloud should take
   * and says whether it did: a 500 is circumstantial, so a single event is judged only when the
   * cloud, asked twice, takes another event at once and fails on this one again — a passing fault
   * cannot cost a real reading.
   */
  async failed(
    failure: UploadError,
    sent: SensorEvent[],
    cloudAcceptsOthers: () => Promise<boolean>,
  ): Promise<SearchVerdict> {
    const crash = this.crashesTheCloud(failure);
    if (crash) {
      this.deps.log.warn(
        { status: failure.status, events: sent.length, reason: failure.message },
        'the cloud keeps failing on this batch; looking for the reading it cannot take',
      );
    } else if (failure.kind === 'refused') this.serverErrorsInARow = 0;
    if (failure.kind !== 'refused' && !crash) return 'back_off';
    if (sent.length > 1) {
      this.size = Math.max(1, Math.floor(sent.length / 2));
      if (!this.searching) this.searchEnd = sent[sent.length - 1]!.seq;
      this.searching = true;
      return 'again';
    }
    const [event] = sent;
    if (!event) return 'back_off';
    if (crash) {
      const confirmed = this.suspect?.seq === event.seq ? this.suspect.confirmations : 0;
      if (!(await cloudAcceptsOthers())) {
        this.suspect = null;
        return 'back_off';
      }
      this.suspect = { seq: event.seq, confirmations: confirmed + 1 };
      if (confirmed + 1 < 2) return 'again';
    }
    // Several in a row means the cloud refuses this hub's events in general (a newer schema?):
    // replacing them all would empty the record, so wait and say so instead.
    if (this.refusedInARow >= 3) return 'back_off';
    this.suspect = null;
    this.refusedInARow += 1;
    this.refused.add(event.seq);
    this.deps.log.error(
      { seq: event.seq, sensorId: event.sensorId, kind: event.kind, reason: failure.message },
      'the cloud refused an event; it stays on this hub and a marker takes its place in the upload',
    );
    return 'again';
  }

  /**
   * A 500 that repeats for one batch says the cloud's application fails on its content (a 502, 503
   * or 504 says the cloud is down or overloaded: never a reason to suspect a reading). Once a search
   * is under way each 500 halves again at once, so a poisoned reading costs a few requests, not an
   * hour of backoff.
   */
  private crashesTheCloud(failure: UploadError): boolean {
    const status = failure.status;
    if (failure.kind !== 'retry' || status === undefined || status < 500 || [502, 503, 504].includes(status))
      return false;
    if (this.searching) return true;
    this.serverErrorsInARow += 1;
    return this.serverErrorsInARow >= (this.deps.serverErrorsBeforeSearch ?? 3);
  }
}

import type { RaisedAlert, ReadingValue, RobotEvent, SensorKind } from '@hearth/shared';
import type { z } from 'zod';

/** A reading or alert about to be committed; the store gives it its seq. */
export interface NewOutboxEntry {
  /** ms since the epoch, from the hub's clock (possibly unsynced, see `clockUnsynced`). */
  ts: number;
  sensorId: string;
  kind: SensorKind;
  value: z.infer<typeof ReadingValue>;
  room?: string;
  /** Present exactly when `kind` is `alert`. */
  alert?: RaisedAlert;
  /** Present when `kind` is `robot` and the entry reports a command's hop. */
  robot?: RobotEvent;
  /** True when the hub's clock was not yet synchronised when `ts` was taken. */
  clockUnsynced?: boolean;
  /** Milliseconds since boot when `ts` was taken; lets an unsynced `ts` be corrected later. */
  monoMs?: number;
}

/** A committed entry: it exists from the moment its transaction committed. */
export interface OutboxEntry extends NewOutboxEntry {
  seq: number;
  bootId: string;
  clockUnsynced: boolean;
}

/** What `hearth status` shows about the outbox. */
export interface OutboxStats {
  /** Highest seq ever committed (0 when empty). */
  lastSeq: number;
  /** Highest seq the cloud confirmed holding without gaps. */
  ackedThroughSeq: number;
  /** Entries committed but not yet confirmed by the cloud. */
  backlog: number;
  /** Alerts among the backlog. */
  pendingAlerts: number;
  /** Routine readings the disk quota dropped before the cloud had them (alerts are never dropped). */
  droppedReadings: number;
  /** When the cloud last confirmed an upload (ms since the epoch), or null. */
  lastUploadAt: number | null;
}

/** What else a commit carries. */
export interface AppendOptions {
  /**
   * Runs inside the commit's transaction once the entries are written: a note about them in the
   * hub state (the serial frame they came from) commits with them or not at all. If it throws,
   * nothing is committed and `append` throws.
   */
  alongside?: () => void;
}

/**
 * The hub's durable queue of everything that happened, in commit order. `append` is the moment
 * a reading exists; nothing leaves the store before the cloud confirmed it, except routine
 * readings removed by the disk quota. Methods are synchronous: a commit either happened when
 * they return or they threw.
 */
export interface OutboxStore {
  /** The boot this store stamps on new entries. */
  readonly bootId: string;
  /**
   * Commits `entries` in one transaction, assigning consecutive seqs above every seq ever
   * assigned. Throws (committing nothing) if the disk refuses the write; the caller must then
   * treat the readings as not recorded.
   */
  append(entries: NewOutboxEntry[], options?: AppendOptions): OutboxEntry[];
  /** Up to `limit` entries with seq above `afterSeq` (default: the cursor), in seq order. */
  pending(limit: number, afterSeq?: number): OutboxEntry[];
  /** Up to `limit` alerts with seq above `afterSeq` (default: the cursor), oldest first. */
  pendingAlerts(limit: number, afterSeq?: number): OutboxEntry[];
  /** Highest seq ever committed (0 when empty). */
  lastSeq(): number;
  /** Highest seq the cloud confirmed (0 before the first upload). */
  ackedThroughSeq(): number;
  /**
   * Moves the upload cursor to `seq`, never backwards and never beyond the last committed seq
   * (a larger claim is clamped). Records `at` as the last upload time. Returns the new cursor.
   */
  acknowledge(seq: number, at: number): number;
  /** Counters for status and diagnostics. */
  stats(): OutboxStats;
  /**
   * Rewrites the timestamps of this boot's entries that were taken on an unsynchronised clock and
   * not yet uploaded, using `correct(monoMs)`; clears their flag. Returns how many changed.
   */
  correctUnsyncedTimestamps(correct: (monoMs: number) => number): number;
  /**
   * Enforces the quota of entries kept: first forgets entries the cloud already holds, then drops
   * the oldest routine readings not yet uploaded (counting them). Alerts are never dropped.
   * Returns how many unuploaded readings were dropped.
   */
  enforceQuota(maxEntries: number): number;
  /** Bytes the entries occupy on disk (pages in use; free pages are reused, not counted). */
  storageBytes(): number;
  /** Number of entries held, uploaded or not. */
  entryCount(): number;
  /** Releases the database (and the hub state kept in it); later calls throw. Safe to call twice. */
  close(): void;
}

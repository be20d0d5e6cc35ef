import { randomUUID } from 'node:crypto';
import { type RaisedAlert, SensorEvent, summariseIssues } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Detection, Detector } from '../detect/types.js';
import type { SensorReading } from '../sensors/source.js';
import type { AppendOptions, NewOutboxEntry, OutboxEntry, OutboxStore } from '../store/outbox.js';
import { storableText, textProblem, timestampProblem, valueProblem } from './storable.js';

/** The wire rules a reading must meet; checked here so one bad reading cannot block every upload. */
const ReadingShape = SensorEvent.pick({ sensorId: true, kind: true, value: true, room: true });

export interface CollectorDeps {
  store: OutboxStore;
  detector: Detector;
  clock: Clock;
  log: Logger;
  /** Whether the wall clock can be trusted now, and the monotonic instant, for each reading. */
  stamp?: () => { clockUnsynced: boolean; monoMs: number };
  /** Told about every committed entry (the uplink's kick, the live event stream). */
  onCommitted?: (entries: OutboxEntry[]) => void;
  /** Acts on a critical alert after it was committed (asks the robot for a safety check). Failures are logged. */
  onSeriousAlert?: (alert: RaisedAlert, entry: OutboxEntry) => Promise<void> | void;
  /** How often time-based detection runs, in ms. */
  tickEveryMs?: number;
}

/** Counters for `hearth status`. */
export interface CollectorStats {
  committed: number;
  rejected: number;
  alertsRaised: number;
  lastRejection: string | null;
}

/**
 * The hub's one path for everything that happens: commit to the outbox first, then let
 * detection look at it, commit what detection raises, and only then act on it. Readings are
 * detected in commit order even though detection is asynchronous.
 */
export class Collector {
  private chain: Promise<void> = Promise.resolve();
  private cancelTick: () => void = () => {};
  private running = false;
  private readonly counters: CollectorStats = {
    committed: 0,
    rejected: 0,
    alertsRaised: 0,
    lastRejection: null,
  };

  constructor(private readonly deps: CollectorDeps) {}

  /** Starts the periodic detection tick. */
  async start(): Promise<void> {
    this.running = true;
    this.scheduleTick();
  }

  /** Stops ticking and waits for the detection in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTick();
    await this.chain;
  }

  /**
   * Commits a reading (synchronously, before returning) and queues it for detection. Returns the
   * committed entry, or null when the reading broke the wire rules (logged and counted) — it never
   * throws for bad data. Throws only if the outbox itself refused the write.
   */
  record(reading: SensorReading, options: AppendOptions = {}): OutboxEntry | null {
    const shape = ReadingShape.safeParse(reading);
    const reason = shape.success ? unstorable(reading) : summariseIssues(shape.error);
    if (!shape.success || reason !== null) {
      this.counters.rejected++;
      // The id itself may be what is wrong: never log NUL or a lone surrogate as it came.
      const sensorId = storableText(String(reading.sensorId).slice(0, 64));
      this.counters.lastRejection = `${sensorId}: ${reason}`;
      this.deps.log.warn({ sensorId, reason }, 'reading refused: the cloud could not store it');
      return null;
    }
    const entry: NewOutboxEntry = { ...shape.data, ts: reading.ts, ...this.stamp() };
    const [committed] = this.commit([entry], options);
    this.enqueue(() => this.deps.detector.observe(committed!));
    return committed!;
  }

  /** Waits until every reading recorded so far has been through detection. */
  async settled(): Promise<void> {
    await this.chain;
  }

  stats(): CollectorStats {
    return { ...this.counters };
  }

  private commit(entries: NewOutboxEntry[], options?: AppendOptions): OutboxEntry[] {
    const committed = this.deps.store.append(entries, options);
    this.counters.committed += committed.length;
    try {
      this.deps.onCommitted?.(committed);
    } catch (error) {
      this.deps.log.error({ err: String(error) }, 'a listener failed on a committed entry');
    }
    return committed;
  }

  private stamp(): { clockUnsynced: boolean; monoMs?: number } {
    return this.deps.stamp?.() ?? { clockUnsynced: false };
  }

  private enqueue(detect: () => Promise<Detection[]>): void {
    this.chain = this.chain.then(async () => {
      let detections: Detection[];
      try {
        detections = await detect();
      } catch (error) {
        this.deps.log.error({ err: String(error) }, 'detection failed');
        return;
      }
      for (const detection of detections) await this.raise(detection);
    });
  }

  private async raise(detection: Detection): Promise<void> {
    const problem = valueProblem(detection.evidence, 'evidence') ?? textProblem(detection.message);
    if (problem) {
      // An alert is never refused: it goes up with its message, without the evidence the cloud cannot store.
      this.deps.log.warn(
        { kind: detection.kind, reason: problem },
        'alert evidence dropped: the cloud could not store it',
      );
      detection = { ...detection, message: storableText(detection.message), evidence: [] };
    }
    const alert: RaisedAlert = {
      alertId: randomUUID(),
      kind: detection.kind.slice(0, 64),
      severity: detection.severity,
      source: detection.source,
      message: detection.message.slice(0, 500),
      evidence: detection.evidence.slice(0, 50),
    };
    let entry: OutboxEntry;
    try {
      [entry] = this.commit([
        { ts: this.deps.clock.now(), sensorId: 'hub', kind: 'alert', value: null, alert, ...this.stamp() },
      ]) as [OutboxEntry];
    } catch (error) {
      // Not committed means not raised: acting on an alert nobody can ever see again would be worse.
      this.deps.log.fatal({ err: String(error), alert }, 'could not commit an alert');
      return;
    }
    this.counters.alertsRaised++;
    this.deps.log.info({ seq: entry.seq, kind: alert.kind, severity: alert.severity }, 'alert raised');
    if (alert.severity !== 'critical' || !this.deps.onSeriousAlert) return;
    try {
      await this.deps.onSeriousAlert(alert, entry);
    } catch (error) {
      this.deps.log.error({ err: String(error), alertId: alert.alertId }, 'acting on an alert failed');
    }
  }

  private scheduleTick(): void {
    if (!this.running) return;
    this.cancelTick = this.deps.clock.setTimeout(() => {
      this.enqueue(() => this.deps.detector.tick(this.deps.clock.now()));
      this.scheduleTick();
    }, this.deps.tickEveryMs ?? 60_000);
  }
}

/** Why a reading that passed the wire schema still cannot be stored by the cloud, or null. */
function unstorable(reading: SensorReading): string | null {
  return (
    timestampProblem(reading.ts) ??
    valueProblem(reading.sensorId, 'sensorId') ??
    valueProblem(reading.room ?? null, 'room') ??
    valueProblem(reading.value, 'value')
  );
}

import type { Logger } from 'pino';
import type { AppendOptions, OutboxEntry } from '../store/outbox.js';
import type { SensorReading, SensorSource } from './source.js';

export interface SourceSetDeps {
  /** Builds the sources for the current configuration; called at start and on every reload. */
  build: () => SensorSource[];
  /** Where a source's readings go. */
  record: (source: string, reading: SensorReading, options?: AppendOptions) => OutboxEntry | null;
  log: Logger;
}

/**
 * All sensor sources as one module. A source that fails to start is logged and skipped: one
 * miswired sensor must never keep the others (or the pendant) from working. `reload()` applies
 * a changed sensor list without restarting the agent.
 */
export class SourceSet {
  private running: SensorSource[] = [];
  private failures = new Map<string, string>();

  constructor(private readonly deps: SourceSetDeps) {}

  async start(): Promise<void> {
    this.failures.clear();
    for (const source of this.deps.build()) {
      try {
        await source.start((reading, options) => this.deps.record(source.name, reading, options));
        this.running.push(source);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.failures.set(source.name, reason);
        this.deps.log.error({ source: source.name, reason }, 'a sensor source could not start');
      }
    }
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = [];
    for (const source of running.reverse()) {
      try {
        await source.stop();
      } catch (error) {
        this.deps.log.error({ source: source.name, err: String(error) }, 'a sensor source failed to stop');
      }
    }
  }

  /** Stops every source and starts them again from the current configuration. */
  async reload(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Sources running now, and those that failed to start with why. */
  describe(): { running: string[]; failed: Record<string, string> } {
    return { running: this.running.map((s) => s.name), failed: Object.fromEntries(this.failures) };
  }
}

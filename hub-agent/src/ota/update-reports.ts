// What became of each release, kept on disk until the cloud acknowledges it: a hub that rolled back
// while offline, or restarted before its report was answered, still tells the cloud once it is back.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentUpdateResult, type HubUpMessage } from '@hearth/shared';
import type { Logger } from 'pino';
import { z } from 'zod';

const Pending = z.array(z.object({ id: z.string().max(64), result: AgentUpdateResult }));
type Pending = z.infer<typeof Pending>;

export interface UpdateReportsDeps {
  /** The file the reports are kept in until acknowledged. */
  file: string;
  /** Sends a message up the control channel; false when it is down (the report waits). */
  send: (message: HubUpMessage) => boolean;
  log: Logger;
}

/**
 * The hub's update results on their way to the cloud. Each is sent with an id when added and again
 * each time the control channel connects, until the cloud's `ack` on `release` names that id.
 */
export class UpdateReports {
  private pending: Pending;

  constructor(private readonly deps: UpdateReportsDeps) {
    this.pending = this.load();
  }

  /** Keeps `result` until acknowledged and sends it now if the channel is up. @throws when it cannot be written to disk. */
  add(result: AgentUpdateResult): void {
    const entry = { id: `release-${randomUUID()}`, result: AgentUpdateResult.parse(result) };
    this.pending.push(entry);
    this.save();
    this.deps.log.info({ ...result }, 'release outcome kept for the cloud');
    this.send(entry);
  }

  /** The control channel (re)connected: sends every report not yet acknowledged. */
  connected(): void {
    for (const entry of this.pending) this.send(entry);
  }

  /** The cloud's `ack` on `release`: the report with this id is delivered and forgotten. */
  acknowledged(id: string | number | undefined): void {
    const before = this.pending.length;
    this.pending = this.pending.filter((entry) => entry.id !== id);
    if (this.pending.length === before) return;
    this.save();
    this.deps.log.info({ id }, 'the cloud has the release outcome');
  }

  /** Reports not yet acknowledged, oldest first. */
  waiting(): AgentUpdateResult[] {
    return this.pending.map((entry) => entry.result);
  }

  private send(entry: Pending[number]): void {
    this.deps.send({ type: 'update', topic: 'release', id: entry.id, data: entry.result });
  }

  private load(): Pending {
    let text: string;
    try {
      text = readFileSync(this.deps.file, 'utf8');
    } catch {
      return [];
    }
    try {
      return Pending.parse(JSON.parse(text));
    } catch (error) {
      this.deps.log.error(
        { file: this.deps.file, reason: (error as Error).message },
        'the release outcomes kept for the cloud were unreadable; they are lost',
      );
      return [];
    }
  }

  private save(): void {
    mkdirSync(dirname(this.deps.file), { recursive: true });
    const tmp = `${this.deps.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.pending));
    renameSync(tmp, this.deps.file);
  }
}

import { MAX_MODEL_BYTES, type ModelAvailable, type ModelStatusReport } from '@hearth/shared';
import type { Clock } from '../clock.js';
import type { CloudIdentity, CloudLink, ModelDownload } from '../uplink/cloud-link.js';
import { type LoadedModel, loadAnomalyModel, ModelRejectedError } from './anomaly-model.js';
import type { ModelFiles } from './model-files.js';
import type { ModelSlot } from './model-slot.js';

/** What one check for a new model came to. */
export type UpdateOutcome =
  | { status: 'installed'; version: string; sha256: string }
  | { status: 'unchanged' }
  | { status: 'none' }
  | { status: 'rejected'; version: string; reason: string }
  | { status: 'failed'; reason: string };

export interface ModelUpdaterLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface ModelUpdaterDeps {
  /** Where the hub is paired and its key, current at each request (a rotated key is used at once); null while unpaired. */
  identity: () => CloudIdentity | null;
  link: CloudLink;
  /** The model the detector reads. */
  slot: ModelSlot;
  /** Where installed models are kept on disk. */
  files: ModelFiles;
  clock: Clock;
  log?: ModelUpdaterLog;
  /** How often to ask the cloud even without a notice; default 6 h. */
  pollIntervalMs?: number;
  /** Longest a download may take; default 60 s. */
  timeoutMs?: number;
}

const silent: ModelUpdaterLog = { info() {}, warn() {} };

/**
 * Keeps the senior's model current: on start it installs the model kept on disk (the active
 * one, else the previous), then asks the cloud (`GET /api/v1/hub/model` with the current ETag),
 * again on every control-channel notice and every poll. A downloaded model is verified (sha256),
 * loaded and probed before it replaces the current one; a bad one is rejected, the current one
 * stays, and the cloud is told either way. Checks never overlap and never throw.
 */
export class ModelUpdater {
  private running: Promise<UpdateOutcome> | undefined;
  private cancelPoll: (() => void) | undefined;
  private stopped = true;
  /** A model this hub already refused, so it is not downloaded again until the cloud offers another. */
  private rejectedSha: string | undefined;
  private readonly log: ModelUpdaterLog;

  constructor(private readonly deps: ModelUpdaterDeps) {
    this.log = deps.log ?? silent;
  }

  /** Installs the model from disk, then checks the cloud once and starts polling. Resolves once the disk model is in place. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.installFromDisk();
    void this.check();
    this.schedulePoll();
  }

  /** Stops polling and waits for a check in progress. The slot keeps its model. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    await this.running;
  }

  /** A control-channel notice: fetches the model unless it is the one in use. */
  async onNotice(notice: ModelAvailable): Promise<UpdateOutcome> {
    if (this.deps.slot.current()?.sha256 === notice.sha256) return { status: 'unchanged' };
    return this.check();
  }

  /** Asks the cloud for the active model now; joins a check already in progress. */
  check(): Promise<UpdateOutcome> {
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.cancelPoll = this.deps.clock.setTimeout(
      () => {
        void this.check().finally(() => this.schedulePoll());
      },
      this.deps.pollIntervalMs ?? 6 * 3600_000,
    );
  }

  private async installFromDisk(): Promise<void> {
    for (const which of ['active', 'previous'] as const) {
      const kept = await this.deps.files.read(which);
      if (!kept) continue;
      try {
        const model = await loadAnomalyModel(kept.bytes, {
          version: kept.meta.version,
          expectedSha256: kept.meta.sha256,
        });
        await this.deps.slot.install(model);
        this.log.info({ version: model.version, from: which }, 'model loaded from disk');
        return;
      } catch (err) {
        this.log.warn({ from: which, err: (err as Error).message }, 'model on disk is unusable');
      }
    }
  }

  private async checkOnce(): Promise<UpdateOutcome> {
    const who = this.deps.identity();
    if (!who) return { status: 'failed', reason: 'the hub is not paired yet' };
    const known = [this.deps.slot.current()?.sha256, this.rejectedSha].filter((s): s is string => !!s);
    let download: ModelDownload;
    try {
      download = await this.deps.link.fetchModel(who, known, { timeoutMs: this.deps.timeoutMs ?? 60_000 });
    } catch (err) {
      const status = (err as { status?: number | null }).status;
      const reason = status
        ? `cloud answered ${status} to the model download`
        : `model download failed: ${(err as Error).message}`;
      this.log.warn(status ? { status } : {}, reason);
      return { status: 'failed', reason };
    }
    if (download.kind === 'unchanged') return { status: 'unchanged' };
    if (download.kind === 'none') return { status: 'none' };
    if (download.kind === 'too_large')
      return this.reject(download.version, undefined, `model is larger than ${MAX_MODEL_BYTES} bytes`);
    const { bytes, version, sha256: expected } = download;
    let model: LoadedModel;
    try {
      model = await loadAnomalyModel(bytes, { version, ...(expected && { expectedSha256: expected }) });
    } catch (err) {
      if (err instanceof ModelRejectedError) return this.reject(version, expected, err.message);
      throw err;
    }
    try {
      await this.deps.files.promote(bytes, { version, sha256: model.sha256 });
    } catch (err) {
      // Running it without keeping it would lose it at the next restart; better to retry later.
      await model.release();
      const reason = `could not save the model to disk: ${(err as Error).message}`;
      this.log.warn({ version }, reason);
      return { status: 'failed', reason };
    }
    await this.deps.slot.install(model);
    this.rejectedSha = undefined;
    this.log.info({ version, sha256: model.sha256 }, 'new model in use');
    await this.report({ version: Number(version), sha256: model.sha256, status: 'active' });
    return { status: 'installed', version, sha256: model.sha256 };
  }

  private async reject(version: string, sha256: string | undefined, reason: string): Promise<UpdateOutcome> {
    this.rejectedSha = sha256;
    this.log.warn({ version, reason }, 'model rejected; keeping the current one');
    if (sha256)
      await this.report({
        version: Number(version),
        sha256,
        status: 'rejected',
        reason: reason.slice(0, 500),
      });
    return { status: 'rejected', version, reason };
  }

  private async report(report: ModelStatusReport): Promise<void> {
    if (!Number.isInteger(report.version) || report.version <= 0) return;
    const who = this.deps.identity();
    if (!who) return;
    try {
      await this.deps.link.reportModelStatus(who, report, { timeoutMs: this.deps.timeoutMs ?? 60_000 });
    } catch (err) {
      const status = (err as { status?: number | null }).status;
      if (status) this.log.warn({ status }, 'cloud did not record the model status');
      else this.log.warn({ err: (err as Error).message }, 'could not tell the cloud about the model');
    }
  }
}

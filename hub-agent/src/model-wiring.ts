import { join } from 'node:path';
import type { ModelAvailable } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { CredentialsSource } from './config/credentials-source.js';
import { ModelFiles } from './model/model-files.js';
import { ModelSlot } from './model/model-slot.js';
import { ModelUpdater } from './model/updater.js';
import type { CloudLink } from './uplink/cloud-link.js';

/**
 * The senior's model for the detector: installed from disk at start, kept current from the
 * cloud once the hub is paired. The updater is rebuilt when the hub is paired (again) with a
 * cloud at another address, so pairing takes effect without a restart.
 */
export class ModelKeeper {
  readonly slot = new ModelSlot();
  private updater: ModelUpdater | null = null;
  private cloudUrl: string | null = null;
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly deps: {
      dataDir: string;
      clock: Clock;
      log: Logger;
      credentials: CredentialsSource;
      link: CloudLink;
    },
  ) {}

  async start(): Promise<void> {
    this.running = true;
    // Paired with a cloud at another address: the updater follows without a restart.
    this.unsubscribe = this.deps.credentials.onChange(() => void this.ensure());
    await this.ensure();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe();
    await this.queue;
    await this.updater?.stop();
    this.updater = null;
  }

  /** Starts (or restarts) the updater for the cloud the hub is paired with now; calls never overlap. */
  ensure(): Promise<void> {
    this.queue = this.queue
      .then(() => this.rebuild())
      .catch((error: unknown) => {
        this.deps.log.error({ err: String(error) }, 'could not start the model updater');
      });
    return this.queue;
  }

  private async rebuild(): Promise<void> {
    if (!this.running) return;
    const cloudUrl = this.deps.credentials.current()?.cloudUrl ?? null;
    if (cloudUrl === this.cloudUrl && this.updater) return;
    await this.updater?.stop();
    this.cloudUrl = cloudUrl;
    this.updater = new ModelUpdater({
      // Unpaired, the updater still installs the model kept on disk; it asks the cloud once paired.
      identity: () => this.deps.credentials.current(),
      link: this.deps.link,
      slot: this.slot,
      files: new ModelFiles(join(this.deps.dataDir, 'models')),
      clock: this.deps.clock,
      log: this.deps.log,
    });
    await this.updater.start();
  }

  /** The control channel's notice of a new active model: fetched now unless it is the one in use. Never throws. */
  async notice(notice: ModelAvailable): Promise<void> {
    await this.ensure();
    await this.updater?.onNotice(notice);
  }

  /** Asks the cloud for the active model now (after the hub was away). Never throws. */
  async check(): Promise<void> {
    await this.ensure();
    await this.updater?.check();
  }

  /** What `hearth status` shows about the model. */
  status(): { state: string; version: string | null; sha256: string | null } {
    const model = this.slot.current();
    return model
      ? { state: 'active', version: model.version, sha256: model.sha256 }
      : { state: 'rules_only', version: null, sha256: null };
  }
}

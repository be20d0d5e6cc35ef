// The hub's side of an over-the-air release: the cloud offers one over the control channel; the
// agent downloads it to the data partition (resuming after a cut or a restart), checks its sha256
// and signature before anything else, and hands the verified bundle to the privileged installer
// (hearth-update.path → hearth-update.service → install-hub.sh --spool), because the agent runs
// unprivileged and must not install itself. The installer's recorded outcome comes back through
// install-outcome.ts and is reported to the cloud until acknowledged (update-reports.ts).
// A little over ~300 lines on purpose: one offer's states (download, verify, hand-off, waiting for
// the installer) share the one job in hand; split, each part would need the other's state.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRelease, AgentUpdateResult } from '@hearth/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Backoff } from '../backoff.js';
import type { Clock } from '../clock.js';
import type { CloudIdentity } from '../uplink/cloud-link.js';
import { type DownloadRequest, downloadOnce } from './download.js';
import { takeInstallOutcome } from './install-outcome.js';
import { ReleaseRejected, verifyRelease } from './release-signature.js';
import type { UpdateReports } from './update-reports.js';

/** The request file the installer's path unit waits for, inside `<ota dir>/ready/`. */
export const INSTALL_REQUEST = 'install.request';

const VERSION = /^[0-9A-Za-z.+-]{1,64}$/;

const Job = z.object({
  release: z.object({
    version: z.string(),
    url: z.string(),
    sha256: z.string(),
    signature: z.string(),
    size: z.number().optional(),
    arch: z.enum(['arm64', 'x64']).optional(),
  }),
  stage: z.enum(['downloading', 'handed_off']),
  handedOffAt: z.number().optional(),
});
type Job = z.infer<typeof Job>;

const Refused = z.array(z.object({ version: z.string(), sha256: z.string() }));

export interface ReleaseUpdaterDeps {
  /** `<data dir>/ota`: staging, the hand-off to the installer, what is pending. */
  dir: string;
  /** The installer's record (`<data dir>/release-state.json`). */
  installRecord: string;
  /** The version this agent is. */
  running: string;
  arch: 'arm64' | 'x64';
  /** The release key this hub trusts (PEM). @throws saying why there is none. */
  trustedKey: () => string;
  /** The cloud this hub is paired with; its credentials go only to that origin. */
  identity: () => CloudIdentity | null;
  reports: UpdateReports;
  clock: Clock;
  log: Logger;
  /** Largest bundle accepted, in bytes (an offer's own `size` bounds it further). */
  maxBytes: number;
  /** One download attempt; the real one by default. */
  download?: (request: DownloadRequest) => Promise<number>;
  backoff?: { initialMs: number; maxMs: number };
  /** How often the installer's record is read (default 5 s). */
  outcomePollMs?: number;
  /** A hand-off the installer has not taken within this long is reported failed (default 30 min). */
  installerTimeoutMs?: number;
}

export type ReleaseUpdaterState = 'idle' | 'downloading' | 'verifying' | 'handed_off';

/** Takes one release at a time from offer to hand-off, and reports what became of each. */
export class ReleaseUpdater {
  private job: Job | null = null;
  private state: ReleaseUpdaterState = 'idle';
  private running = false;
  private abort = new AbortController();
  private work: Promise<void> = Promise.resolve();
  private cancelPoll: () => void = () => {};
  private wake: () => void = () => {};
  private readonly files;

  constructor(private readonly deps: ReleaseUpdaterDeps) {
    const { dir } = deps;
    this.files = {
      job: join(dir, 'job.json'),
      refused: join(dir, 'refused.json'),
      seen: join(dir, 'install-record.seen'),
      staging: join(dir, 'staging'),
      ready: join(dir, 'ready'),
    };
  }

  /** Reads what the installer did while this agent was not running, and resumes an unfinished download. */
  async start(): Promise<void> {
    this.running = true;
    this.abort = new AbortController();
    mkdirSync(this.deps.dir, { recursive: true, mode: 0o750 });
    this.job = this.loadJob();
    this.checkOutcome();
    if (this.job?.stage === 'downloading') this.begin(this.job);
    else if (this.job?.stage === 'handed_off') this.state = 'handed_off';
    this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelPoll();
    this.abort.abort();
    this.wake();
    await this.work;
  }

  /** Resolves once the release in hand has gone as far as it can without the installer. */
  settled(): Promise<void> {
    return this.work;
  }

  /** What `hearth status` shows. */
  status(): { state: ReleaseUpdaterState; version: string | null; reportsWaiting: number } {
    return {
      state: this.state,
      version: this.job?.release.version ?? null,
      reportsWaiting: this.deps.reports.waiting().length,
    };
  }

  /** The cloud offers a release (`update`/`release`). Never throws. A release for another CPU is rejected without a download. */
  offer(release: AgentRelease): void {
    const { log } = this.deps;
    const { version, sha256 } = release;
    const working = this.job?.release;
    if (version === this.deps.running) log.info({ version }, 'offered the release already running');
    else if (working?.version === version && working.sha256 === sha256)
      log.info({ version }, 'offered the release already under way');
    else if (working) log.info({ version, working: working.version }, 'one update at a time: offer ignored');
    else if (this.refused().some((r) => r.version === version && r.sha256 === sha256))
      log.info({ version }, 'offered a release this hub already refused or rolled back; ignored');
    else if (!VERSION.test(version))
      this.finish({ release, stage: 'downloading' }, 'rejected', `release version '${version}' is malformed`);
    else if (release.arch && release.arch !== this.deps.arch)
      this.finish(
        { release, stage: 'downloading' },
        'rejected',
        `release ${version} is built for ${release.arch}; this hub is ${this.deps.arch}`,
      );
    else this.begin({ release, stage: 'downloading' });
  }

  private begin(job: Job): void {
    this.job = job;
    this.saveJob();
    this.state = 'downloading';
    this.deps.log.info({ version: job.release.version, url: job.release.url }, 'downloading a release');
    this.work = this.carry(job).catch((error: unknown) => {
      // Only the disk failing gets here; the release is reported failed if that can be written.
      this.deps.log.error({ err: String(error) }, 'the release could not be handled');
      try {
        this.finish(job, 'failed', `the hub could not handle the release: ${String(error)}`.slice(0, 500));
      } catch {
        // the disk is gone; nothing to keep the report on
      }
    });
  }

  /** Download (with retries), verify, hand off. */
  private async carry(job: Job): Promise<void> {
    const { release } = job;
    const part = join(this.files.staging, `${release.version}.tar.gz.part`);
    mkdirSync(this.files.staging, { recursive: true, mode: 0o750 });
    const backoff = new Backoff(this.deps.backoff ?? { initialMs: 5000, maxMs: 300_000 });
    const maxBytes = Math.min(this.deps.maxBytes, release.size ?? Number.POSITIVE_INFINITY);
    for (;;) {
      if (!this.running) return;
      try {
        await (this.deps.download ?? downloadOnce)({
          url: release.url,
          file: part,
          maxBytes,
          headers: this.credentialsFor(release.url),
          signal: this.abort.signal,
        });
        break;
      } catch (error) {
        if (!this.running) return;
        const { kind, message, retryAfterMs } = error as {
          kind?: string;
          message: string;
          retryAfterMs?: number;
        };
        if (kind === 'too_large') return this.finish(job, 'rejected', message);
        if (kind === 'refused') return this.finish(job, 'failed', message);
        if (kind !== 'retry') throw error;
        const wait = Math.max(backoff.next(), retryAfterMs ?? 0);
        this.deps.log.warn(
          { version: release.version, reason: message, retryInMs: wait },
          'release download cut',
        );
        await this.sleep(wait);
      }
    }

    // Before anything else is done with the bytes: the sha256, then the signature.
    this.state = 'verifying';
    try {
      await verifyRelease(part, { ...release, arch: this.deps.arch }, this.deps.trustedKey());
    } catch (error) {
      const reason =
        error instanceof ReleaseRejected
          ? error.message
          : `release ${release.version} refused: ${(error as Error).message}`;
      return this.finish(job, 'rejected', reason);
    }
    if (!this.running) return;
    this.handOff(job, part);
  }

  /** Puts the verified bundle and its manifest where the installer takes them, the request last. */
  private handOff(job: Job, part: string): void {
    const { version, sha256, signature } = job.release;
    const name = `hearth-hub-${version}-linux-${this.deps.arch}.tar.gz`;
    rmSync(this.files.ready, { recursive: true, force: true });
    mkdirSync(this.files.ready, { recursive: true, mode: 0o750 });
    renameSync(part, join(this.files.ready, name));
    const manifest = { version, arch: this.deps.arch, sha256, signature };
    writeFileSync(join(this.files.ready, `${name}.release.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    const request = join(this.files.ready, `${INSTALL_REQUEST}.tmp`);
    writeFileSync(request, `${name}\n`);
    renameSync(request, join(this.files.ready, INSTALL_REQUEST));
    job.stage = 'handed_off';
    job.handedOffAt = this.deps.clock.now();
    this.saveJob();
    this.state = 'handed_off';
    this.deps.log.info({ version }, 'release verified; handed to the installer');
  }

  /** Reads the installer's record now and then; an outcome for the job in hand ends it. */
  private poll(): void {
    this.cancelPoll = this.deps.clock.setTimeout(() => {
      if (!this.running) return;
      try {
        this.checkOutcome();
        this.checkInstallerTimeout();
      } catch (error) {
        this.deps.log.error({ err: String(error) }, 'could not read the installer record');
      }
      this.poll();
    }, this.deps.outcomePollMs ?? 5000);
  }

  private checkOutcome(): void {
    const outcome = takeInstallOutcome(this.deps.installRecord, this.files.seen);
    if (!outcome) return;
    this.deps.reports.add(outcome.result);
    const job = this.job;
    if (job?.stage !== 'handed_off' || job.release.version !== outcome.result.version) return;
    if (outcome.result.status !== 'installed') this.remember(job);
    this.clear();
  }

  private checkInstallerTimeout(): void {
    const job = this.job;
    const limit = this.deps.installerTimeoutMs ?? 30 * 60_000;
    if (job?.stage !== 'handed_off' || this.deps.clock.now() - (job.handedOffAt ?? 0) < limit) return;
    rmSync(this.files.ready, { recursive: true, force: true });
    this.finish(
      job,
      'failed',
      `the installer did not take release ${job.release.version} within ${Math.round(limit / 60_000)} min (is hearth-update.path enabled?)`,
    );
  }

  /** Reports the end of a release that goes no further, and forgets it. */
  private finish(job: Job, status: AgentUpdateResult['status'], detail: string): void {
    const { version } = job.release;
    this.deps.log.warn({ version, status, detail }, 'release not installed');
    this.deps.reports.add({ version, status, running: this.deps.running, detail: detail.slice(0, 500) });
    if (status === 'rejected') this.remember(job);
    if (this.job === job) this.clear();
  }

  private clear(): void {
    this.job = null;
    this.state = 'idle';
    rmSync(this.files.job, { force: true });
    rmSync(this.files.staging, { recursive: true, force: true });
  }

  /** A release refused or rolled back is not tried again when offered again. */
  private remember(job: Job): void {
    const { version, sha256 } = job.release;
    const list = [...this.refused(), { version, sha256 }].slice(-20);
    writeFileSync(this.files.refused, JSON.stringify(list));
  }

  private refused(): z.infer<typeof Refused> {
    try {
      return Refused.parse(JSON.parse(readFileSync(this.files.refused, 'utf8')));
    } catch {
      return [];
    }
  }

  private loadJob(): Job | null {
    try {
      return Job.parse(JSON.parse(readFileSync(this.files.job, 'utf8')));
    } catch {
      return null;
    }
  }

  private saveJob(): void {
    const tmp = `${this.files.job}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.job));
    renameSync(tmp, this.files.job);
  }

  /** The hub's key goes only to the cloud it is paired with, never to another host an offer names. */
  private credentialsFor(url: string): Record<string, string> {
    const who = this.deps.identity();
    if (!who) return {};
    try {
      if (new URL(url).origin !== new URL(who.cloudUrl).origin) return {};
    } catch {
      return {};
    }
    return { authorization: `Bearer ${who.apiKey}` };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      const cancel = this.deps.clock.setTimeout(resolve, ms);
      this.wake = () => {
        cancel();
        resolve();
      };
    });
  }
}

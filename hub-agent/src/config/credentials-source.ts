import { statSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { CredentialsError, type HubCredentials, readCredentials } from './credentials.js';

/**
 * Who the hub is to the cloud, read once and shared: the uplink, the control channel, the home
 * configuration and the model keeper hear from it when the hub is paired (again) or its key
 * changes, instead of each reading the file before every request.
 */
export interface CredentialsSource<T = HubCredentials> {
  /** The credentials in force, or null while the hub is unpaired or its file is unusable. Never throws. */
  current(): T | null;
  /** Why the credentials file cannot be used (damaged, unreadable), or null. */
  problem(): string | null;
  /** `listener` is called after every change, with the new credentials. @returns a function that unsubscribes. */
  onChange(listener: (now: T | null) => void): () => void;
}

/** Credentials held in memory: tests, and what the CLI has just received. `set` tells the listeners. */
export class CredentialsBox<T> implements CredentialsSource<T> {
  private readonly listeners = new Set<(now: T | null) => void>();
  private issue: string | null = null;

  constructor(private value: T | null = null) {}

  current(): T | null {
    return this.value;
  }

  problem(): string | null {
    return this.issue;
  }

  onChange(listener: (now: T | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the credentials (and the problem to report); listeners hear of it when anything differs. */
  set(value: T | null, problem: string | null = null): void {
    const changed = JSON.stringify(value) !== JSON.stringify(this.value) || problem !== this.issue;
    this.value = value;
    this.issue = problem;
    if (!changed) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // One listener's failure must not keep the news from the others; each logs its own.
      }
    }
  }
}

export interface FileCredentialsDeps {
  path: string;
  clock: Clock;
  /** Told once per distinct problem with the file (damaged JSON, missing fields, unreadable). */
  onProblem?: (reason: string) => void;
  /**
   * How often to look at the file's modification time for an edit nobody announced, in ms
   * (`hearth pair` announces its own at once through the agent's socket). Default 30 s.
   */
  checkEveryMs?: number;
}

/** The credentials file that `hearth pair` writes, re-read when told (`reload`) or when it changes on disk. */
export class FileCredentials extends CredentialsBox<HubCredentials> {
  private seen: string | null = null;
  private cancel: () => void = () => {};

  constructor(private readonly deps: FileCredentialsDeps) {
    super(null);
    this.reload();
  }

  /** Watches the file for edits nobody announced. */
  async start(): Promise<void> {
    const check = () => {
      if (this.fingerprint() !== this.seen) this.reload();
      this.cancel = this.deps.clock.setTimeout(check, this.deps.checkEveryMs ?? 30_000);
    };
    this.cancel = this.deps.clock.setTimeout(check, this.deps.checkEveryMs ?? 30_000);
  }

  async stop(): Promise<void> {
    this.cancel();
  }

  /** Reads the file now; listeners hear of it when anything changed. */
  reload(): void {
    this.seen = this.fingerprint();
    try {
      this.set(readCredentials(this.deps.path));
    } catch (error) {
      const reason = error instanceof CredentialsError ? error.message : String(error);
      if (reason !== this.problem()) this.deps.onProblem?.(reason);
      this.set(null, reason);
    }
  }

  private fingerprint(): string | null {
    try {
      const stat = statSync(this.deps.path);
      return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      return null;
    }
  }
}

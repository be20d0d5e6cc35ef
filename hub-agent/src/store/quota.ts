import type { OutboxStore } from './outbox.js';

/** The outbox's share of the disk. */
export interface OutboxQuota {
  /** Most entries held. */
  maxEntries: number;
  /** Most bytes the entries may occupy. */
  maxBytes: number;
}

/**
 * Keeps the outbox within its quota, by entries and by bytes. Over the byte limit it trims to 90 %
 * of it, so a full disk is not trimmed again at every reading. Returns how many readings the cloud
 * never received were dropped (uploaded entries go first; alerts never).
 */
export function enforceOutboxQuota(store: OutboxStore, quota: OutboxQuota): number {
  let dropped = store.enforceQuota(quota.maxEntries);
  const bytes = store.storageBytes();
  if (bytes > quota.maxBytes) {
    const entries = store.entryCount();
    const keep = Math.floor((entries * quota.maxBytes * 0.9) / bytes);
    dropped += store.enforceQuota(keep);
  }
  return dropped;
}

/** Enforces the outbox quota at start and then every `everyMs` on the hub's clock: a module of the agent. */
export class OutboxQuotaKeeper {
  readonly name = 'outbox-quota';
  private cancel: () => void = () => {};

  constructor(
    private readonly deps: {
      store: OutboxStore;
      quota: OutboxQuota;
      clock: { setTimeout(fn: () => void, ms: number): () => void };
      /** Told how many readings the cloud never received were dropped, when any were. */
      onDropped: (dropped: number) => void;
      /** Default one minute. */
      everyMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    const run = () => {
      const dropped = enforceOutboxQuota(this.deps.store, this.deps.quota);
      if (dropped > 0) this.deps.onDropped(dropped);
      this.cancel = this.deps.clock.setTimeout(run, this.deps.everyMs ?? 60_000);
    };
    run();
  }

  async stop(): Promise<void> {
    this.cancel();
  }
}

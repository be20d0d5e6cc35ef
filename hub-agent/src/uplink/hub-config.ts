import { HubConfig, type RulesConfigInput } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CredentialsSource } from '../config/credentials-source.js';
import type { CloudLink } from './cloud-link.js';
import type { UplinkCredentials } from './uplink.js';

/** What the cloud says about the home; `rules` is the senior's rule settings when the cloud sends them. */
export type HomeConfig = Omit<HubConfig, 'rules'> & { rules?: RulesConfigInput };

export interface HubConfigSyncDeps {
  clock: Clock;
  log: Logger;
  /** A new pairing or key: the configuration is asked for again at once. */
  credentials: CredentialsSource<UplinkCredentials>;
  link: CloudLink;
  /** Applies a configuration the cloud sent; throwing means it was refused (logged, old one stays). */
  apply: (config: HomeConfig) => void;
  /** How often to ask again, in ms (default ten minutes). */
  everyMs?: number;
}

/**
 * Fetches `GET /api/v1/hub/config` at start and then periodically, so the home's time zone and the
 * senior's rule settings follow what staff set in the cloud. Offline, the last settings stay.
 */
export class HubConfigSync {
  private cancel: () => void = () => {};
  private running = false;
  private last: HomeConfig | null = null;
  private unsubscribe: () => void = () => {};

  constructor(private readonly deps: HubConfigSyncDeps) {}

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe = this.deps.credentials.onChange(() => void this.refresh());
    void this.refresh();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe();
    this.cancel();
  }

  /** The configuration last applied, or null. */
  current(): HomeConfig | null {
    return this.last;
  }

  /** Asks the cloud now; resolves whatever happens (failures are logged). */
  async refresh(): Promise<void> {
    const credentials = this.deps.credentials.current();
    try {
      if (credentials) await this.fetchAndApply(credentials);
    } catch (error) {
      this.deps.log.warn({ reason: (error as Error).message }, 'could not refresh the home configuration');
    }
    if (this.running) {
      this.cancel();
      this.cancel = this.deps.clock.setTimeout(() => void this.refresh(), this.deps.everyMs ?? 600_000);
    }
  }

  private async fetchAndApply(credentials: UplinkCredentials): Promise<void> {
    const body = (await this.deps.link.fetchConfig(credentials, { timeoutMs: 15_000 })) as Record<
      string,
      unknown
    >;
    const parsed = HubConfig.safeParse(body);
    if (!parsed.success) throw new Error('the cloud sent a configuration in an unexpected shape');
    const config: HomeConfig = { ...parsed.data };
    if (body.rules && typeof body.rules === 'object') config.rules = body.rules as RulesConfigInput;
    if (JSON.stringify(config) === JSON.stringify(this.last)) return;
    this.deps.apply(config);
    this.last = config;
    this.deps.log.info(
      { timezone: config.timezone, rules: config.rules !== undefined },
      'home configuration applied',
    );
  }
}

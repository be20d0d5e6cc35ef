import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubUpMessage } from '@hearth/shared';
import type { Logger } from 'pino';
import { hubVersion } from '../cli/version.js';
import type { Clock } from '../clock.js';
import type { AgentConfig } from '../config/agent-config.js';
import type { CloudIdentity } from '../uplink/cloud-link.js';
import { ReleaseUpdater } from './release-updater.js';
import { UpdateReports } from './update-reports.js';

export interface ReleaseWiringDeps {
  config: AgentConfig['ota'];
  dataDir: string;
  clock: Clock;
  log: Logger;
  identity: () => CloudIdentity | null;
  /** The control channel's send; false while it is down. */
  send: (message: HubUpMessage) => boolean;
}

/** The over-the-air updater and its durable reports, for the agent's composition root. */
export function buildReleaseUpdater(deps: ReleaseWiringDeps) {
  const { config, dataDir, log } = deps;
  const reports = new UpdateReports({ file: join(dataDir, 'ota/reports.json'), send: deps.send, log });
  const updater = new ReleaseUpdater({
    dir: join(dataDir, 'ota'),
    installRecord: join(dataDir, 'release-state.json'),
    running: hubVersion,
    arch: process.arch === 'arm64' ? 'arm64' : 'x64',
    trustedKey: () => {
      try {
        return readFileSync(config.releaseKeyFile, 'utf8');
      } catch (error) {
        throw new Error(
          `this hub trusts no release key: cannot read ${config.releaseKeyFile} (${(error as NodeJS.ErrnoException).code ?? error}); install the hub from a signed bundle`,
        );
      }
    },
    identity: deps.identity,
    reports,
    clock: deps.clock,
    log,
    maxBytes: config.maxDownloadMegabytes * 2 ** 20,
    installerTimeoutMs: config.installerTimeoutMinutes * 60_000,
  });
  const status = () => ({ running: hubVersion, ...updater.status() });
  return { updater, reports, status };
}

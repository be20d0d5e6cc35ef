import { chownSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { ClaimResponse, ErrorEnvelope, HubConfig } from '@hearth/shared';
import { type HubCredentials, readCredentials, writeCredentials } from '../config/credentials.js';
import { dataPaths, ensureDataDir } from '../config/paths.js';
import { AgentClient } from '../control/client.js';
import { type CloudLink, CloudLinkError } from '../uplink/cloud-link.js';
import { HttpCloudLink } from '../uplink/http-cloud-link.js';
import { CliError, EXIT, type Output } from './output.js';

export interface PairOptions {
  cloud: string;
  code: string;
  dataDir: string;
  deviceId?: string;
}

/** The hub hardware's identity: the Pi's serial number, else the machine id, else the host name. */
export function deviceIdentity(): string {
  for (const path of ['/proc/device-tree/serial-number', '/etc/machine-id']) {
    try {
      const value = readFileSync(path, 'utf8').replace(/\0/g, '').trim();
      if (value) return value.slice(0, 128);
    } catch {
      // try the next source
    }
  }
  return hostname();
}

/** Runs a call to the cloud; an unanswered one becomes the technician's "cannot reach" error. */
async function call<T>(cloudUrl: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CloudLinkError && error.status !== null) throw error;
    const unreachable =
      error instanceof CloudLinkError
        ? error.message
        : `cannot reach the cloud at ${cloudUrl} (${String(error)})`;
    throw new CliError(
      `${unreachable}; check the URL and the hub's network (hearth diagnose)`,
      EXIT.CLOUD_UNREACHABLE,
      'CLOUD_UNREACHABLE',
    );
  }
}

function refusal(what: string, error: unknown): unknown {
  if (!(error instanceof CloudLinkError) || error.status === null) return error;
  const envelope = ErrorEnvelope.safeParse(error.body);
  const reason = envelope.success ? envelope.data.error.message : `HTTP ${error.status}`;
  return new CliError(
    `${what}: ${reason}`,
    error.status >= 500 ? EXIT.CLOUD_UNREACHABLE : EXIT.CLOUD_REFUSED,
    'CLOUD_REFUSED',
  );
}

/** `hearth pair`: claims the hub with a pairing code, checks the key works, stores it (0600). */
export async function pair(
  options: PairOptions,
  out: Output,
  link: CloudLink = new HttpCloudLink(),
): Promise<HubCredentials> {
  let base: URL;
  try {
    base = new URL(options.cloud);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new CliError(
      `--cloud must be an http(s) URL such as https://care.example.org, got '${options.cloud}'`,
      EXIT.USAGE,
      'USAGE',
    );
  }
  const cloudUrl = base.origin + base.pathname.replace(/\/+$/, '');
  const paths = dataPaths(options.dataDir);
  ensureDataDir(options.dataDir);
  const previous = safeRead(paths.credentials);
  const deviceId = options.deviceId ?? deviceIdentity();

  const claimBody = await out
    .task(
      `claiming pairing code ${options.code} at ${cloudUrl}`,
      call(cloudUrl, () => link.claim(cloudUrl, { code: options.code, deviceId }, { timeoutMs: 15_000 })),
    )
    .catch((error: unknown) => {
      throw refusal('the cloud refused the pairing code', error);
    });
  const claimed = ClaimResponse.safeParse(claimBody);
  if (!claimed.success)
    throw new CliError(
      'the cloud answered the claim with an unexpected body; is this a Hearth cloud?',
      EXIT.FAILED,
    );

  const configBody = await out
    .task(
      'checking the new key',
      call(cloudUrl, () =>
        link.fetchConfig({ cloudUrl, apiKey: claimed.data.apiKey }, { timeoutMs: 15_000 }),
      ),
    )
    .catch((error: unknown) => {
      throw refusal('the cloud refused the new hub key', error);
    });
  const home = HubConfig.safeParse(configBody);
  if (!home.success)
    throw new CliError('the cloud answered /hub/config with an unexpected body', EXIT.FAILED);

  const credentials: HubCredentials = {
    cloudUrl,
    hubId: claimed.data.hubId,
    apiKey: claimed.data.apiKey,
    seniorId: claimed.data.seniorId,
    deviceId,
    pairedAt: new Date().toISOString(),
    seniorName: home.data.seniorName,
    timezone: home.data.timezone,
  };
  writeCredentials(paths.credentials, credentials);
  // `sudo hearth pair` runs as root; the agent runs as the data directory's owner and must read the key.
  const owner = statSync(options.dataDir);
  if (process.getuid?.() === 0 && owner.uid !== 0) chownSync(paths.credentials, owner.uid, owner.gid);
  const agentNotified = await new AgentClient(paths.socket)
    .call('POST', '/credentials/changed', {}, 2000)
    .then(() => true)
    .catch(() => false);
  out.line(`Paired with ${home.data.seniorName}'s home (hub ${credentials.hubId}) at ${cloudUrl}.`);
  if (previous && previous.hubId !== credentials.hubId)
    out.line(`This replaces the earlier pairing as hub ${previous.hubId}.`);
  out.line(`Credentials stored in ${paths.credentials} (readable by the hearth user only).`);
  out.line(agentNotified ? 'hearth-agent is using them now.' : 'hearth-agent uses them when it starts.');
  const { apiKey: _secret, ...shown } = credentials;
  out.result({ paired: true, ...shown, credentialsFile: paths.credentials });
  return credentials;
}

function safeRead(path: string): HubCredentials | null {
  try {
    return readCredentials(path);
  } catch {
    return null;
  }
}

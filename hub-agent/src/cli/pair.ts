import { chownSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { ClaimResponse, ErrorEnvelope, HubConfig } from '@hearth/shared';
import { type HubCredentials, readCredentials, writeCredentials } from '../config/credentials.js';
import { dataPaths, ensureDataDir } from '../config/paths.js';
import { AgentClient } from '../control/client.js';
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

async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(
      `cannot reach the cloud at ${new URL(url).origin} (${cause}); check the URL and the hub's network (hearth diagnose)`,
      EXIT.CLOUD_UNREACHABLE,
      'CLOUD_UNREACHABLE',
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

function refusal(what: string, status: number, body: unknown): CliError {
  const envelope = ErrorEnvelope.safeParse(body);
  const reason = envelope.success ? envelope.data.error.message : `HTTP ${status}`;
  return new CliError(
    `${what}: ${reason}`,
    status >= 500 ? EXIT.CLOUD_UNREACHABLE : EXIT.CLOUD_REFUSED,
    'CLOUD_REFUSED',
  );
}

/** `hearth pair`: claims the hub with a pairing code, checks the key works, stores it (0600). */
export async function pair(options: PairOptions, out: Output): Promise<HubCredentials> {
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

  const claim = await out.task(
    `claiming pairing code ${options.code} at ${cloudUrl}`,
    call(`${cloudUrl}/api/v1/hubs/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: options.code, deviceId }),
    }),
  );
  if (claim.status !== 200 && claim.status !== 201)
    throw refusal('the cloud refused the pairing code', claim.status, claim.body);
  const claimed = ClaimResponse.safeParse(claim.body);
  if (!claimed.success)
    throw new CliError(
      'the cloud answered the claim with an unexpected body; is this a Hearth cloud?',
      EXIT.FAILED,
    );

  const config = await out.task(
    'checking the new key',
    call(`${cloudUrl}/api/v1/hub/config`, { headers: { authorization: `Bearer ${claimed.data.apiKey}` } }),
  );
  if (config.status !== 200) throw refusal('the cloud refused the new hub key', config.status, config.body);
  const home = HubConfig.safeParse(config.body);
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

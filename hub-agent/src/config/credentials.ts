import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { z } from 'zod';

/** What `hearth pair` stores: who this hub is to the cloud. Kept with mode 0600. */
export const HubCredentials = z.object({
  cloudUrl: z.url(),
  hubId: z.uuid(),
  apiKey: z.string().min(20),
  seniorId: z.uuid(),
  deviceId: z.string().min(1),
  pairedAt: z.iso.datetime(),
  seniorName: z.string().optional(),
  timezone: z.string().optional(),
});
export type HubCredentials = z.infer<typeof HubCredentials>;

/** Thrown when the credentials file exists but cannot be trusted; the message says what to do. */
export class CredentialsError extends Error {
  readonly code = 'BAD_CREDENTIALS';
}

/** Reads the credentials; null when the hub was never paired. Throws CredentialsError for a damaged file. */
export function readCredentials(path: string): HubCredentials | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialsError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${path} is not valid JSON; pair the hub again with \`hearth pair\``);
  }
  const parsed = HubCredentials.safeParse(json);
  if (!parsed.success) {
    throw new CredentialsError(`${path} is incomplete or damaged; pair the hub again with \`hearth pair\``);
  }
  return parsed.data;
}

/** Writes the credentials atomically with mode 0600, so a crash leaves the old file or the new one. */
export function writeCredentials(path: string, credentials: HubCredentials): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(HubCredentials.parse(credentials), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

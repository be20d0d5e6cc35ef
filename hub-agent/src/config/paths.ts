import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const SYSTEM_DATA_DIR = '/var/lib/hearth';

/**
 * Where the agent keeps its outbox, credentials and control socket. The CLI resolves it the same
 * way, so both meet without configuration: `--data-dir`, then `HEARTH_DATA_DIR`, then
 * /var/lib/hearth when it is (or can be) writable, else ~/.local/share/hearth.
 */
export function resolveDataDir(
  options: { flag?: string; env?: NodeJS.ProcessEnv; home?: string } = {},
): string {
  if (options.flag) return resolve(options.flag);
  const fromEnv = (options.env ?? process.env).HEARTH_DATA_DIR;
  if (fromEnv) return resolve(fromEnv);
  if (writable(SYSTEM_DATA_DIR) || (!existsSync(SYSTEM_DATA_DIR) && writable(dirname(SYSTEM_DATA_DIR)))) {
    return SYSTEM_DATA_DIR;
  }
  return join(options.home ?? homedir(), '.local', 'share', 'hearth');
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The files inside a data directory. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    outbox: join(dataDir, 'outbox.db'),
    credentials: join(dataDir, 'credentials.json'),
    socket: join(dataDir, 'agent.sock'),
    /** Where earlier hubs kept the robots and their command ledger; imported into the outbox once. */
    legacyRobotDb: join(dataDir, 'robot.db'),
  };
}

/** Creates the data directory (owner and group only), naming the fix when it cannot. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o750 });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    throw new Error(
      `cannot use the data directory ${dataDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        'pass --data-dir or set HEARTH_DATA_DIR to a directory this user can write',
    );
  }
}

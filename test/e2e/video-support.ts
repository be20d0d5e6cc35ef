// coturn on loopback for the live-video tests: free ports, `use-auth-secret`, killed at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
export const haveCoturn = existsSync(TURNSERVER);

/** A TCP port nobody holds right now (coturn listens on it for both UDP and TCP). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function until<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Coturn {
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  secret: string;
  /** Everything coturn logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts Debian's coturn on loopback with time-limited credentials signed by `secret`. */
export async function startCoturn(workDir: string, secret: string): Promise<Coturn> {
  const port = await freePort();
  // Relay ports: a random stretch high up, unlikely to meet another test's.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      ...['-n', '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '-p', String(port)],
      ...['--min-port', String(minPort), '--max-port', String(minPort + 99)],
      ...['--use-auth-secret', '--static-auth-secret', secret, '--realm', 'hearth.test'],
      ...['--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--fingerprint'],
      ...['--userdb', join(workDir, 'turndb'), '--pidfile', join(workDir, 'turn.pid')],
      ...['--log-file', 'stdout', '--simple-log', '--verbose'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await until('coturn to listen', () => output.includes('Total General servers'), 10_000);
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    log: () => output,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** Whether `existsSync` finds coturn; loud when it does not. */
export function requireCoturn(): boolean {
  if (!haveCoturn && process.env.CI === 'true')
    throw new Error(`CI=true but coturn is missing at ${TURNSERVER}`);
  if (!haveCoturn)
    console.warn(
      `\n*** coturn not found at ${TURNSERVER} (apt-get install coturn): the TURN tests are skipped. ***\n`,
    );
  return haveCoturn;
}

// Starts the real programs as child processes: a cloud API, hub agents and robots. Used by
// `npm run demo` and by the end-to-end tests, so both exercise exactly what operators run; the
// demo's cloud runs the production bundle, as servers do (demo-cloud.ts).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cloudBin = join(root, 'cloud-api/bin/hearth-cloud.js');
const agentBin = join(root, 'hub-agent/bin/hearth-agent.js');
const cliBin = join(root, 'hub-agent/bin/hearth.js');
const robotSimBin = join(root, 'hub-agent/bin/hearth-robot-sim.js');
const run = promisify(execFile);

export interface Program {
  readonly process: ChildProcess;
  /** Every line the program printed so far (stdout and stderr), for diagnosing a failed test. */
  readonly output: string[];
  /** Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. Returns the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** Kills the program at once, like a power cut. */
  kill(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Echo the program's output to this process's stdout/stderr with a prefix. */
  echo?: string;
}

function startProgram(bin: string, args: string[], options: StartOptions): Program {
  return startCommand(process.execPath, [bin, ...args], options);
}

/** Starts any executable (a bundled runtime, an emulator) as a program of the stack. */
export function startCommand(command: string, args: string[], options: StartOptions): Program {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (output.length > 5000) output.shift();
      if (options.echo) console.log(`${options.echo} ${line}`);
    });
  }
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  // A test runner that ends its worker must not leave homes and clouds running behind it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    process: child,
    output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves with the first line `match` accepts, or rejects when the program exits or time runs out. */
export function waitForLine<T>(
  program: Program,
  match: (line: string) => T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const seen = program.output.map(match).find((v) => v !== undefined);
    if (seen !== undefined) return resolvePromise(seen);
    const rl = createInterface({ input: program.process.stdout! });
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      rl.close();
      program.process.off('exit', onExit);
      fn();
    };
    const onExit = (code: number | null) =>
      finish(() =>
        reject(
          new Error(`program exited (${code}) before it was ready:\n${program.output.slice(-30).join('\n')}`),
        ),
      );
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`timed out waiting for the program:\n${program.output.slice(-30).join('\n')}`)),
        ),
      timeoutMs,
    );
    rl.on('line', (line) => {
      const value = match(line);
      if (value !== undefined) finish(() => resolvePromise(value));
    });
    program.process.once('exit', onExit);
  });
}

function urlFromLogLine(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { url?: unknown };
    return typeof entry.url === 'string' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

export interface CloudProgram extends Program {
  url: string;
}

export type CloudOptions = StartOptions & { dataDir: string; port?: number; readyTimeoutMs?: number };

/** Starts `hearth-cloud serve` from the sources and waits until it logs the URL it listens on. */
export function startCloud(options: CloudOptions): Promise<CloudProgram> {
  return startCloudWith([cloudBin, 'serve'], options);
}

/** Starts node with `args` (its options, a cloud program and `serve`) and waits until it logs its URL. */
export async function startCloudWith(args: string[], options: CloudOptions): Promise<CloudProgram> {
  mkdirSync(options.dataDir, { recursive: true });
  const program = startCommand(process.execPath, args, {
    ...options,
    env: { PORT: String(options.port ?? 0), HEARTH_DATA_DIR: options.dataDir, ...options.env },
  });
  try {
    const url = await waitForLine(program, urlFromLogLine, options.readyTimeoutMs ?? 60_000);
    return Object.assign(program, { url });
  } catch (error) {
    // Nobody else holds it: a cloud that never said it was ready must not outlive the caller's failure.
    await program.kill();
    throw error;
  }
}

/**
 * Starts `hearth-agent` on its own data directory: with the simulated home (the default), or
 * with `simulate: false` and no sensors, as a freshly installed hub.
 */
export function startAgent(
  options: StartOptions & { dataDir: string; simulate?: boolean; simSpeed?: number; args?: string[] },
): Program {
  const simulation =
    options.simulate === false ? [] : ['--simulate', '--sim-speed', String(options.simSpeed ?? 1)];
  return startProgram(
    agentBin,
    ['--data-dir', options.dataDir, ...simulation, ...(options.args ?? [])],
    options,
  );
}

/**
 * Adds a robot to a hub with `hearth robot add` and starts `hearth-robot-sim` as that robot against
 * the hub's broker on `mqttPort`.
 */
export async function startRobotSim(
  options: StartOptions & { dataDir: string; mqttPort: number; robotId: string; args?: string[] },
): Promise<Program> {
  const added = await hearth(['robot', 'add', options.robotId, '--data-dir', options.dataDir, '--json']);
  const { password } = JSON.parse(added.stdout) as { password: string };
  return startProgram(
    robotSimBin,
    ['--url', `mqtt://127.0.0.1:${options.mqttPort}`, '--id', options.robotId, ...(options.args ?? [])],
    { ...options, env: { HEARTH_ROBOT_PASSWORD: password, ...options.env } },
  );
}

/** A TCP port free on loopback right now (for a program that must be told its port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the technician CLI `hearth` and returns what it printed. */
export async function hearth(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [cliBin, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

/** A tiny typed JSON client for the cloud API, as a dashboard or script uses it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private token?: string,
  ) {}

  async login(email: string, password: string): Promise<{ accessToken: string; staff: { id: string } }> {
    const session = await this.request<{ accessToken: string; staff: { id: string } }>(
      'POST',
      '/api/v1/auth/login',
      {
        email,
        password,
      },
    );
    this.token = session.accessToken;
    return session;
  }

  get accessToken(): string | undefined {
    return this.token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

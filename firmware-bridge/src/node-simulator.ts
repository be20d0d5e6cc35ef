import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const firmwareDir = fileURLToPath(new URL('../firmware/', import.meta.url));

/** The portable protocol sources of the reference firmware, for host builds. */
export const firmwareSources = ['hearth_cobs.c', 'hearth_crc.c', 'hearth_frame.c', 'hearth_node.c'].map((f) =>
  join(firmwareDir, 'src', f),
);
export const firmwareIncludeDir = join(firmwareDir, 'src');
export const firmwareHostDir = join(firmwareDir, 'host');

/**
 * Compiles the host simulator of a sensor node (firmware/host/simulator.c plus the firmware's protocol
 * code) with the system C compiler into `outDir`, returning the executable's path. Throws with the
 * compiler's output when the build fails.
 */
export function buildNodeSimulator(outDir: string, cc = 'cc'): string {
  const exe = join(outDir, 'hearth-node-sim');
  const args = ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-I', firmwareIncludeDir];
  const build = spawnSync(
    cc,
    [...args, join(firmwareHostDir, 'simulator.c'), ...firmwareSources, '-o', exe],
    {
      encoding: 'utf8',
    },
  );
  if (build.status !== 0)
    throw new Error(`building the node simulator failed:\n${build.stderr}${build.stdout}`);
  return exe;
}

/** One line the simulator printed (see firmware/host/simulator.c). */
export interface SimulatorLogEntry {
  event: 'reading' | 'motion' | 'ack' | 'connected' | 'disconnected' | 'exit';
  seq?: number;
  mantissa?: number;
  exponent?: number;
  active?: boolean;
  ignored?: boolean;
  retransmissions?: number;
  dropped?: number;
  pending?: number;
}

export interface NodeSimulatorOptions {
  executable: string;
  /** The serial line to speak on (one end of a socat pty pair). */
  port: string;
  nodeId?: string;
  bootId?: number;
  readingMs?: number;
  eventMs?: number;
  heartbeatMs?: number;
  resendMs?: number;
  /** Stop producing readings after this many (0 = never). */
  readings?: number;
  /** Drop every Nth ack on purpose, forcing resends of frames the hub already has. */
  ignoreAckEvery?: number;
}

/** A running simulator process whose JSON log is collected for assertions. */
export class NodeSimulator {
  readonly log: SimulatorLogEntry[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(private readonly options: NodeSimulatorOptions) {}

  start(): void {
    const o = this.options;
    const flags: [string, number | string | undefined][] = [
      ['--port', o.port],
      ['--node-id', o.nodeId],
      ['--boot-id', o.bootId],
      ['--reading-ms', o.readingMs],
      ['--event-ms', o.eventMs],
      ['--heartbeat-ms', o.heartbeatMs],
      ['--resend-ms', o.resendMs],
      ['--readings', o.readings],
      ['--ignore-ack-every', o.ignoreAckEvery],
    ];
    const args = flags.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
    const child = spawn(o.executable, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.log.push(JSON.parse(line) as SimulatorLogEntry);
      } catch {
        // Not a log line; the simulator prints nothing else on stdout.
      }
    });
  }

  /** Readings the node produced, by the counter it sent as the mantissa. */
  readingCounters(): number[] {
    return this.log.flatMap((e) => (e.event === 'reading' && e.mantissa !== undefined ? [e.mantissa] : []));
  }

  /** Stops the process (SIGTERM) and waits for it; resolves with its summary line. */
  async stop(): Promise<SimulatorLogEntry | undefined> {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
    return this.log.find((e) => e.event === 'exit');
  }
}

/** Whether `command` is on PATH (for tests that need cc or socat). */
export function hostToolAvailable(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/**
 * Two connected pseudo-terminals made by socat, like a USB-serial cable with both ends on this host:
 * the hub opens `hubPath`, the node simulator `nodePath` (both symlinks, like /dev/serial/by-id/).
 * `stop()` is an unplug: both devices vanish; `start()` again is the replug (the links may then point
 * at different /dev/pts numbers).
 */
export class SocatPtyPair {
  readonly hubPath: string;
  readonly nodePath: string;
  private child: ChildProcess | undefined;

  constructor(dir: string) {
    this.hubPath = join(dir, 'hub-tty');
    this.nodePath = join(dir, 'node-tty');
  }

  /** Starts socat and resolves once both device links exist. Throws if they do not appear within 5 s. */
  async start(): Promise<void> {
    const child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.hubPath}`, `pty,raw,echo=0,link=${this.nodePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    for (let waited = 0; waited < 5000; waited += 20) {
      if (
        log.includes('starting data transfer loop') &&
        existsSync(this.hubPath) &&
        existsSync(this.nodePath)
      )
        return;
      if (child.exitCode !== null) break;
      await sleep(20);
    }
    throw new Error(`socat did not create the pseudo-terminal pair:\n${log}`);
  }

  /** Kills socat (an unplug) and waits until its device links are gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.hubPath, { force: true });
    rmSync(this.nodePath, { force: true });
  }
}

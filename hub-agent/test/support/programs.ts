import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const agentBin = join(packageRoot, 'bin/hearth-agent.js');
export const cliBin = join(packageRoot, 'bin/hearth.js');

/** A running hearth-agent child process and every JSON log line it printed. */
export interface AgentProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first log entry `match` accepts (already printed or to come). */
  waitFor(
    match: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, like a power cut. */
  kill(): Promise<void>;
  /** Resolves with the exit code once the agent ended on its own. */
  exited: Promise<number | null>;
}

export function startAgent(
  args: string[],
  env: Record<string, string> = {},
  bin = agentBin,
  /** Options for node itself, before the program (V8 flags, as a systemd unit gives them). */
  nodeArgs: string[] = [],
): AgentProcess {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters) w();
    });
  }
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const parse = (line: string) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return null;
    }
  };
  return {
    child,
    lines,
    exited,
    waitFor(match, timeoutMs = 20_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          for (const line of lines) {
            const entry = parse(line);
            if (entry && match(entry)) {
              cleanup();
              resolvePromise(entry);
              return;
            }
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(
              new Error(
                `hearth-agent exited (${child.exitCode ?? child.signalCode}):\n${lines.slice(-20).join('\n')}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for hearth-agent:\n${lines.slice(-20).join('\n')}`));
        }, timeoutMs);
        const onExit = () => check();
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.on('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `hearth` and returns its output and exit code (never throws for a non-zero exit). */
export function hearth(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [cliBin, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The real `hearth-cloud serve` on its embedded PostgreSQL and in-process bus, as a child process.
 * (The suites at the repository root run the cloud against real PostgreSQL and Redis.)
 */
export interface RealCloud {
  url: string;
  lines: string[];
  /** Calls the API as the demo admin. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
  /** SIGKILL: the cloud dies mid-request, as in a crash. */
  kill(): Promise<void>;
}

export async function startRealCloud(
  dataDir: string,
  env: Record<string, string | undefined> = {},
): Promise<RealCloud> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'cloud-api/bin/hearth-cloud.js'), 'serve'],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        PORT: '0',
        HEARTH_DATA_DIR: dataDir,
        HEARTH_DEMO_ACCOUNTS: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started cloud behind.
      child.kill('SIGKILL');
      reject(new Error(`the cloud did not start:\n${lines.join('\n')}`));
    }, 90_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        try {
          const entry = JSON.parse(line) as { url?: string; msg?: string };
          if (entry.msg === 'listening' && entry.url) {
            clearTimeout(timer);
            resolvePromise(entry.url);
          }
        } catch {
          // not a log line
        }
      });
    }
    child.once('exit', (code) => reject(new Error(`the cloud exited (${code}):\n${lines.join('\n')}`)));
  });
  let token: string | null = null;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(new URL(path, url), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  try {
    token = (
      await call<{ accessToken: string }>('POST', '/api/v1/auth/login', {
        email: 'admin@demo.hearth',
        password: 'demo-admin',
      })
    ).accessToken;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    lines,
    api: call,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { databaseTargets } from './targets.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'hearth-cloud.js');

function run(args: string[], env: Record<string, string>, input?: string) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

function waitForLine(proc: ReturnType<typeof run>, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${proc.out()}\n${proc.err()}`)),
      timeoutMs,
    );
    const check = () => {
      const line = proc
        .out()
        .split('\n')
        .find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        proc.child.stdout?.off('data', check);
        resolve(line);
      }
    };
    proc.child.stdout?.on('data', check);
    proc.exited.then(() => {
      check();
      reject(new Error(`exited before ${pattern}:\n${proc.out()}\n${proc.err()}`));
    });
    check();
  });
}

describe.each(databaseTargets())('hearth-cloud as a process on $name', (target) => {
  let dataDir: string;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
    const created = await target.createDatabase();
    drop = created.drop;
    env = {
      HEARTH_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      ...(created.url && {
        DATABASE_URL: created.url,
        HEARTH_JWT_SECRET: 'a-shared-secret-of-at-least-32-characters!',
      }),
    };
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrate, then create-admin, then serve: logs its URL, serves, and stops cleanly on SIGTERM', async () => {
    const migrate = run(['migrate'], env);
    expect(await migrate.exited).toBe(0);
    expect(migrate.out()).toMatch(/migrations applied|up to date/);

    const admin = run(
      ['create-admin', '--email', 'boss@care.example', '--password-stdin'],
      env,
      'a-long-password\n',
    );
    expect(await admin.exited).toBe(0);
    const weak = run(['create-admin', '--email', 'x@care.example', '--password-stdin'], env, 'short\n');
    expect(await weak.exited).toBe(2);
    expect(weak.err()).toMatch(/password must be at least 10 characters/);
    // A password on the command line would be in the process list: refused, nothing created.
    const visible = run(['create-admin', '--email', 'y@care.example', '--password', 'a-long-password'], env);
    expect(await visible.exited).toBe(2);
    expect(visible.err()).toMatch(/process list.*--password-stdin/);
    const noInput = run(['create-admin', '--email', 'y@care.example'], env);
    expect(await noInput.exited).toBe(2);
    expect(noInput.err()).toMatch(/--password-stdin/);

    const server = run(['serve'], env);
    children.push(server.child);
    const line = await waitForLine(server, /"url":"http:\/\/127\.0\.0\.1:\d+"/);
    const url = (JSON.parse(line) as { url: string }).url;
    if (target.name === 'pglite') {
      // A second process on the same embedded database is refused, naming the one that runs.
      const second = run(
        ['create-admin', '--email', 'late@care.example', '--password-stdin'],
        env,
        'a-long-password',
      );
      expect(await second.exited).toBe(3);
      expect(second.err()).toContain(`\`hearth-cloud serve\` (pid ${server.child.pid}`);
      expect(second.err()).toMatch(/Stop that process first/);
    }
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'boss@care.example', password: 'a-long-password' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?token=${accessToken}`);
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(m.toString()));
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await closed).toBe(1001);
    expect(messages.map((m) => JSON.parse(m).type)).toContain('shutdown');
    expect(server.out()).toMatch(/"msg":"stopped"/);
    // Three process starts, each loading PGlite and compiling TypeScript: slow on a busy CI machine.
  }, 120_000);

  it('refuses a bad setting at start, naming it', async () => {
    const bad = run(['serve'], { ...env, PORT: 'eighty' });
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toMatch(/PORT="eighty"/);
    expect(bad.err()).not.toMatch(/at .*\.ts:\d+/);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentBin } from './support/programs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hearth-agent whose log reader went away', () => {
  let dir: string | undefined;
  let kill: (() => void) | undefined;
  afterEach(() => {
    kill?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('still exits with 0 soon after SIGTERM, though every log line now meets a broken pipe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-broken-stdout-'));
    // Like `hearth-agent … | head -1`: the reader takes the first line and closes the pipe.
    const child = spawn(process.execPath, [agentBin, '--data-dir', dir, '--simulate'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    kill = () => child.kill('SIGKILL');
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await once(child.stdout!, 'data');
    child.stdout!.destroy();

    // Ready once the control socket exists; then let it run a moment with nobody reading its log.
    const socket = join(dir, 'agent.sock');
    for (let i = 0; i < 300 && !existsSync(socket) && child.exitCode === null; i++) await sleep(50);
    expect(existsSync(socket), `the agent did not start:\n${stderr}`).toBe(true);
    await sleep(1000);

    const asked = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = await Promise.race([
      exited,
      sleep(15_000).then(() => [null, 'still running 15 s after SIGTERM'] as const),
    ]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Well within systemd's TimeoutStopSec=20, which would otherwise SIGKILL a hub that hangs.
    expect(Date.now() - asked).toBeLessThan(12_000);
  }, 40_000);
});

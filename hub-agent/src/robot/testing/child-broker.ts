import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./broker-child.ts', import.meta.url));

/** Starts a hub broker in a child process; resolves once it listens. */
export async function startChildBroker(
  dataDir: string,
  options: { port?: number; willGraceMs?: number } = {},
): Promise<{ port: number; child: ChildProcess; killHard(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, dataDir, String(options.port ?? 0), String(options.willGraceMs ?? 30_000)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the broker process exited with ${code} before listening`);
    }),
  ])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    child,
    async killHard() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

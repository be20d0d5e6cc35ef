import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Builds hearth-agent as one ESM file, as production hubs run it, so tests that start it hundreds
 * of times do not pay for TypeScript compilation at every start. Written under node_modules so the
 * native packages it leaves external resolve as on a hub.
 */
export async function buildAgentBundle(): Promise<string> {
  const outfile = join(repoRoot, 'node_modules/.cache/hearth-test', `hearth-agent-${process.pid}.mjs`);
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(repoRoot, 'hub-agent/src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: [
      'better-sqlite3',
      'onoff',
      'epoll',
      'serialport',
      '@serialport/*',
      'onnxruntime-node',
      'pino',
      'thread-stream',
    ],
    banner: {
      js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

// Builds the production bundles: one ESM file per program under dist/ (or the folder given as
// the first argument), with our code and the pure-JavaScript dependencies inlined. Native and
// WebAssembly packages stay external and are installed beside the bundle
// (scripts/build-hub-bundle.sh lists them in the bundle's package.json). Files the cloud reads
// at run time (migrations) are copied next to the bundle, where it looks for them, and the staff
// dashboard is built beside it (web-dist/).
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { buildWebApp, WEB_OUT_NAME } from '../cloud-api/src/web/web-build.js';

/** Packages that ship native addons, WebAssembly or worker files and so cannot be inlined. */
export const externalPackages = [
  'better-sqlite3',
  'onoff',
  'epoll',
  'serialport',
  '@serialport/*',
  'onnxruntime-node',
  '@node-rs/argon2',
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  'pino',
  'thread-stream',
];

const programs = [
  { name: 'hearth-agent', entry: 'hub-agent/src/main.ts' },
  { name: 'hearth', entry: 'hub-agent/src/cli/main.ts' },
  { name: 'hearth-cloud', entry: 'cloud-api/src/main.ts' },
];

const cloudAssets = [{ from: 'cloud-api/src/db/migrations', to: 'migrations' }];

/** Bundles every program into `outDir` and copies the cloud's run-time files beside them. */
export async function buildBundles(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  for (const program of programs) {
    await build({
      entryPoints: [program.entry],
      outfile: join(outDir, `${program.name}.mjs`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'linked',
      external: externalPackages,
      // Lets bundled CommonJS dependencies call require() from inside an ES module.
      banner: {
        js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
  }
  for (const asset of cloudAssets) cpSync(asset.from, join(outDir, asset.to), { recursive: true });
  buildWebApp(join(outDir, WEB_OUT_NAME));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = resolve(process.argv[2] ?? 'dist');
  await buildBundles(outDir);
  console.log(`built ${programs.map((p) => `${p.name}.mjs`).join(', ')} and the dashboard in ${outDir}`);
}

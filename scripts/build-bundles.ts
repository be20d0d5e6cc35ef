// Builds the production bundles: one ESM file per program under dist/ (or the folder given as
// the first argument), with our code and the pure-JavaScript dependencies inlined. Native and
// WebAssembly packages stay external and are installed beside the bundle
// (scripts/build-hub-bundle copies them, built for the target, into the hub bundle). Files the cloud
// reads at run time (migrations) are copied next to the bundle, where it looks for them, and the
// staff dashboard is built beside it (web-dist/).
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
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
  'node-datachannel',
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

/**
 * Bundles every program (or only those named in `only`) into `outDir` and copies the cloud's
 * run-time files beside them. `version` is what `hearth --version` reports (default: the hub
 * agent package's).
 */
export async function buildBundles(outDir: string, only?: string[], version?: string): Promise<void> {
  const hubVersion =
    version ??
    (
      JSON.parse(readFileSync(new URL('../hub-agent/package.json', import.meta.url), 'utf8')) as {
        version: string;
      }
    ).version;
  mkdirSync(outDir, { recursive: true });
  for (const program of programs.filter((p) => !only || only.includes(p.name))) {
    await build({
      entryPoints: [program.entry],
      outfile: join(outDir, `${program.name}.mjs`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'linked',
      // Without comments and whitespace, and escaped to ASCII: V8 keeps each program's source in
      // memory for its whole life, as two bytes a character once one character is not Latin-1
      // (the agent's 2.3 MB source cost 4.6 MB of heap). Names stay, so stack traces still read.
      minifyWhitespace: true,
      minifySyntax: true,
      charset: 'ascii',
      external: externalPackages,
      define: { __HEARTH_VERSION__: JSON.stringify(hubVersion) },
      // Lets bundled CommonJS dependencies call require() from inside an ES module.
      banner: {
        js: "import { createRequire as __hearthRequire } from 'node:module'; const require = __hearthRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
  }
  // The cloud's run-time files only when the cloud is built (the hub bundle builds only the hub's programs).
  if (only && !only.includes('hearth-cloud')) return;
  for (const asset of cloudAssets) cpSync(asset.from, join(outDir, asset.to), { recursive: true });
  buildWebApp(join(outDir, WEB_OUT_NAME));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = resolve(process.argv[2] ?? 'dist');
  await buildBundles(outDir);
  console.log(`built ${programs.map((p) => `${p.name}.mjs`).join(', ')} and the dashboard in ${outDir}`);
}

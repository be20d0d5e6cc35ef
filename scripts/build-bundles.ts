// Builds the production bundles: one ESM file per program under dist/, with our code and the
// pure-JavaScript dependencies inlined. Native and WebAssembly packages stay external and are
// installed beside the bundle (scripts/build-hub-bundle.sh lists them in the bundle's package.json).
import { build } from 'esbuild';

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

for (const program of programs) {
  await build({
    entryPoints: [program.entry],
    outfile: `dist/${program.name}.mjs`,
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
  console.log(`built dist/${program.name}.mjs`);
}

// Builds the staff dashboard (Preact + uPlot, TypeScript under ./app) into a folder of static files
// the cloud serves: `npm run build` puts it beside the production bundle, and a cloud started from
// the sources builds it on start when it is missing or older than its sources.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the dashboard's sources are (absent in a production bundle). */
export const WEB_SOURCE_DIR = join(here, 'app');
/** Name of the built folder, beside this file in development and beside the bundle in production. */
export const WEB_OUT_NAME = 'web-dist';

/** The files swagger-ui-dist ships that `/docs` needs, copied so the docs work offline. */
const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when `outDir` lacks a complete build or is older than any source file. */
export function isWebBuildStale(outDir: string, sourceDir = WEB_SOURCE_DIR): boolean {
  const stamp = join(outDir, 'build.json');
  if (!existsSync(stamp)) return true;
  return statSync(stamp).mtimeMs < newestMtime(sourceDir);
}

/**
 * Bundles the dashboard into `outDir` (replaced as a whole, so a concurrently starting cloud never
 * serves half a build). Needs esbuild, a development dependency: only call it where it is installed.
 * @throws when esbuild reports an error in the sources.
 */
export function buildWebApp(outDir: string, sourceDir = WEB_SOURCE_DIR): void {
  // Loaded on demand: esbuild is not installed beside a production bundle, which never gets here.
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof import('esbuild');
  const temp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(join(temp, 'docs'), { recursive: true });
  try {
    esbuild.buildSync({
      entryPoints: [join(sourceDir, 'main.tsx')],
      outfile: join(temp, 'app.js'),
      bundle: true,
      minify: true,
      format: 'esm',
      target: ['chrome110', 'safari16', 'firefox115'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'silent',
      tsconfig: join(sourceDir, 'tsconfig.json'),
    });
    cpSync(join(sourceDir, 'index.html'), join(temp, 'index.html'));
    // The player also stands alone at /video-player.js, for pages outside the dashboard.
    cpSync(join(sourceDir, 'video-player.js'), join(temp, 'video-player.js'));
    // At the root so its scope is the whole dashboard (push notifications with the page closed).
    cpSync(join(sourceDir, 'sw.js'), join(temp, 'sw.js'));
    cpSync(join(sourceDir, 'docs.html'), join(temp, 'docs', 'index.html'));
    cpSync(join(sourceDir, 'docs-init.js'), join(temp, 'docs', 'docs-init.js'));
    const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'));
    for (const file of SWAGGER_FILES) cpSync(join(swaggerDir, file), join(temp, 'docs', file));
    writeFileSync(join(temp, 'build.json'), JSON.stringify({ builtAt: new Date().toISOString() }));
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
  const old = `${outDir}.old-${process.pid}-${Date.now()}`;
  try {
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(temp, outDir);
  } catch (err) {
    // Another cloud starting from the same sources swapped its build in first: theirs will do.
    rmSync(temp, { recursive: true, force: true });
    if (isWebBuildStale(outDir, sourceDir)) throw err;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

/**
 * The folder to serve the dashboard from. Running from the sources, it is built first when missing or
 * stale; in a production bundle it is the folder `npm run build` put beside it.
 */
export function ensureWebApp(baseDir = here): string {
  const outDir = join(baseDir, WEB_OUT_NAME);
  if (existsSync(WEB_SOURCE_DIR) && isWebBuildStale(outDir)) buildWebApp(outDir);
  return outDir;
}

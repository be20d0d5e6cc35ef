import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import { ensureWebApp } from './web-build.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

const CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data: blob:";

interface StaticFile {
  type: string;
  body: Uint8Array;
  /** Compressed on first request and kept: the first load must stay small on a carer's phone. */
  gzipped?: Uint8Array;
}

const loaded = new Map<string, Map<string, StaticFile>>();

/** Every file under `dir` by URL path, read once per process (tests build many apps). */
function loadFolder(dir: string): Map<string, StaticFile> {
  const cached = loaded.get(dir);
  if (cached) return cached;
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).isFile()) {
        const type = TYPES[extname(path)] ?? 'application/octet-stream';
        files.set(`/${relative(dir, path).split('\\').join('/')}`, { type, body: readFileSync(path) });
      }
    }
  };
  walk(dir);
  loaded.set(dir, files);
  return files;
}

/** What the page needs to know about this cloud's settings, put into the HTML it is served. */
export interface DashboardSettings {
  /** Seconds between escalation steps, for the "all carers in 2:13" countdown. */
  escalationSeconds: number;
}

/**
 * The staff dashboard (`/`, `/app.js`, …) and the API docs (`/docs`, from swagger-ui-dist, no CDN).
 * The app routes with the URL's hash, so there is one page at `/`.
 * @throws at start when the built dashboard is missing and cannot be built.
 */
export function dashboardRoutes(settings: DashboardSettings, webDir = ensureWebApp()) {
  const files = new Map(loadFolder(webDir));
  const index = files.get('/index.html');
  if (!index) throw new Error(`the dashboard is not built: ${webDir}/index.html is missing (npm run build)`);
  const html = new TextEncoder().encode(
    new TextDecoder()
      .decode(index.body)
      .replace(
        '</head>',
        `<meta name="hearth-escalation-seconds" content="${settings.escalationSeconds}">\n</head>`,
      ),
  );
  files.set('/index.html', { type: index.type, body: html });
  const docs = files.get('/docs/index.html');

  const app = new Hono<AppEnv>();
  const serve = (file: StaticFile, acceptEncoding: string | undefined) => {
    const headers: Record<string, string> = {
      'content-type': file.type,
      'cache-control': 'no-cache',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (/text|json/.test(file.type) && file.body.length > 1024 && /\bgzip\b/.test(acceptEncoding ?? '')) {
      file.gzipped ??= gzipSync(file.body, { level: 9 });
      headers['content-encoding'] = 'gzip';
      return new Response(file.gzipped, { headers });
    }
    return new Response(file.body, { headers });
  };
  if (docs) app.get('/docs', (c) => serve(docs, c.req.header('accept-encoding')));
  app.get('/*', async (c, next) => {
    const file = files.get(c.req.path === '/' ? '/index.html' : c.req.path);
    if (!file) return next();
    return serve(file, c.req.header('accept-encoding'));
  });
  return app;
}

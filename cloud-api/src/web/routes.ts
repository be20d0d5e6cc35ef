import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';

const here = dirname(fileURLToPath(import.meta.url));
const files: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'index.html'), 'utf8') },
  '/dashboard.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(join(here, 'dashboard.js'), 'utf8'),
  },
  '/video-player.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(join(here, 'video-player.js'), 'utf8'),
  },
};

/** The staff dashboard: static HTML and one script, no build step. */
export function dashboardRoutes() {
  const app = new Hono<AppEnv>();
  for (const [path, file] of Object.entries(files)) {
    app.get(path, (c) => {
      c.header('content-type', file.type);
      c.header('cache-control', 'no-cache');
      c.header(
        'content-security-policy',
        "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      );
      return c.body(file.body);
    });
  }
  return app;
}

import { readFileSync } from 'node:fs';

// The production bundle has the release's version written in at build time (scripts/build-bundles.ts),
// so `hearth --version` names the release even after an upgrade; from a clone it is the package's.
declare const __HEARTH_VERSION__: string | undefined;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

/** The hub software's version: the release's in a bundle, hub-agent/package.json's from a clone. */
export const hubVersion: string =
  typeof __HEARTH_VERSION__ === 'string' ? __HEARTH_VERSION__ : packageVersion();

// scripts/build-hub-bundle: makes hearth-hub-<version>-linux-<arch>.tar.gz, everything a hub runs
// with nothing to download or compile on the Pi:
//
//   hearth-hub-<version>-linux-<arch>/
//     bin/node                  the target's Node runtime (npm package node-linux-<arch>)
//     bin/hearth, hearth-agent  launchers for the bundled programs
//     dist/*.mjs                the hub programs (esbuild bundles, scripts/build-bundles.ts)
//     node_modules/             the external packages, native addons built for the target
//     systemd/hearth-agent.service, install-hub.sh, README.md, agent.example.json, release.json
//
// Usage: scripts/build-hub-bundle [--arch arm64|x64|all] [--out DIR] [--version V]
// The same sources give the same archive, byte for byte (see archive.ts).
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBundles, externalPackages } from '../build-bundles.js';
import { humanSize, packReproducibly, sha256File } from './archive.js';
import { readElf, type TargetArch } from './elf.js';
import { copyProductionModules } from './packages.js';
import { nodeRuntime, type Toolchain } from './toolchain.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const hubPrograms = ['hearth-agent', 'hearth'];

export interface BundleOptions {
  arch: TargetArch;
  outDir: string;
  /** Defaults to hub-agent/package.json's version. */
  version?: string;
}

export interface BuiltBundle {
  file: string;
  sha256: string;
  version: string;
  arch: TargetArch;
}

function launcher(program: string): string {
  return `#!/bin/sh
# Runs ${program} with the Node runtime of this release, wherever the release was unpacked.
here=$(dirname "$(readlink -f "$0")")
exec "$here/node" "$here/../dist/${program}.mjs" "$@"
`;
}

/** The packages the hub programs load from node_modules: hub-agent's dependencies left outside the bundles. */
function hubExternalPackages(): string[] {
  const hub = JSON.parse(readFileSync(join(repoRoot, 'hub-agent/package.json'), 'utf8'));
  const external = (name: string) =>
    externalPackages.some((p) => (p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) : name === p));
  return Object.keys(hub.dependencies as Record<string, string>)
    .filter(external)
    .sort();
}

/** Fails the build when a binary in the staged tree is not for the target. */
function checkBinaries(dir: string, arch: TargetArch): void {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  for (const file of walk(dir)) {
    const elf = readElf(file);
    if (elf && (elf.arch !== arch || elf.bits !== 64))
      throw new Error(`${file} is built for ${elf.arch} (${elf.bits}-bit), not ${arch}`);
  }
}

function sourceDateEpoch(): number {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(
      execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    );
  } catch {
    return 0;
  }
}

/** Builds one bundle into `outDir` and returns where it is and its sha256. */
export async function buildHubBundle(options: BundleOptions): Promise<BuiltBundle> {
  const tc: Toolchain = { repoRoot, cacheDir: join(repoRoot, '.hearth/hub-bundle-cache') };
  const hub = JSON.parse(readFileSync(join(repoRoot, 'hub-agent/package.json'), 'utf8'));
  const version = options.version ?? (hub.version as string);
  const name = `hearth-hub-${version}-linux-${options.arch}`;
  mkdirSync(options.outDir, { recursive: true });
  const stage = join(options.outDir, `.stage-${name}-${process.pid}`);
  const dir = join(stage, name);
  rmSync(stage, { recursive: true, force: true });
  try {
    const dist = join(stage, 'all-programs');
    await buildBundles(dist, hubPrograms, version);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    for (const program of hubPrograms)
      cpSync(join(dist, `${program}.mjs`), join(dir, 'dist', `${program}.mjs`));

    mkdirSync(join(dir, 'bin'));
    cpSync(nodeRuntime(tc, options.arch), join(dir, 'bin/node'));
    for (const program of hubPrograms) {
      writeFileSync(join(dir, 'bin', program), launcher(program));
      chmodSync(join(dir, 'bin', program), 0o755);
    }
    const packages = copyProductionModules(
      tc,
      hubExternalPackages(),
      join(repoRoot, 'node_modules'),
      join(dir, 'node_modules'),
      options.arch,
    );

    mkdirSync(join(dir, 'systemd'));
    cpSync(join(repoRoot, 'systemd/hearth-agent.service'), join(dir, 'systemd/hearth-agent.service'));
    cpSync(join(repoRoot, 'scripts/install-hub.sh'), join(dir, 'install-hub.sh'));
    cpSync(join(repoRoot, 'README.md'), join(dir, 'README.md'));
    chmodSync(join(dir, 'install-hub.sh'), 0o755);
    writeFileSync(
      join(dir, 'agent.example.json'),
      `${JSON.stringify({ logLevel: 'info', detectTickMs: 60000 }, null, 2)}\n`,
    );
    writeFileSync(
      join(dir, 'release.json'),
      `${JSON.stringify({ name: 'hearth-hub', version, platform: 'linux', arch: options.arch, node: process.version, packages }, null, 2)}\n`,
    );
    checkBinaries(dir, options.arch);

    const file = join(options.outDir, `${name}.tar.gz`);
    packReproducibly(dir, file, sourceDateEpoch());
    return { file, sha256: await sha256File(file), version, arch: options.arch };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string', default: 'all' },
      out: { type: 'string', default: '.' },
      version: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: scripts/build-hub-bundle [--arch arm64|x64|all] [--out DIR] [--version V]');
    process.exit(0);
  }
  const arches: TargetArch[] =
    values.arch === 'all'
      ? ['arm64', 'x64']
      : values.arch === 'arm64' || values.arch === 'x64'
        ? [values.arch]
        : [];
  if (arches.length === 0) {
    console.error(`build-hub-bundle: --arch must be arm64, x64 or all, got '${values.arch}'`);
    process.exit(64);
  }
  for (const arch of arches) {
    const bundle = await buildHubBundle({ arch, outDir: resolve(values.out), version: values.version });
    console.log(`${bundle.file}\n  ${humanSize(bundle.file)}  sha256 ${bundle.sha256}`);
  }
}

// scripts/build-hub-bundle: makes hearth-hub-<version>-linux-<arch>.tar.gz, everything a hub runs
// with nothing to download or compile on the Pi:
//
//   hearth-hub-<version>-linux-<arch>/
//     bin/node                  the target's Node runtime (npm package node-linux-<arch>)
//     bin/hearth, hearth-agent  launchers for the bundled programs
//     dist/*.mjs                the hub programs (esbuild bundles, scripts/build-bundles.ts)
//     node_modules/             the external packages, native addons built for the target
//     systemd/                  hearth-agent.service, hearth-update.path and .service
//     install-hub.sh, README.md, agent.example.json, release.json
//
// Usage: scripts/build-hub-bundle [--arch arm64|x64|all] [--out DIR] [--version V]
// The same sources give the same archive, byte for byte (see archive.ts).
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signRelease } from '../../hub-agent/src/ota/release-signature.js';
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
  /**
   * The Ed25519 release key (kept off the servers): its public half goes into the bundle as
   * `release-key.pem`, the key the hub trusts from then on, and the bundle is signed with it.
   */
  releaseKey?: KeyObject;
}

export interface BuiltBundle {
  file: string;
  sha256: string;
  version: string;
  arch: TargetArch;
  /** The signed release manifest written beside the tarball (`<file>.release.json`), when signed. */
  manifest?: string;
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
    for (const unit of ['hearth-agent.service', 'hearth-update.path', 'hearth-update.service'])
      cpSync(join(repoRoot, 'systemd', unit), join(dir, 'systemd', unit));
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
    if (options.releaseKey)
      writeFileSync(
        join(dir, 'release-key.pem'),
        createPublicKey(options.releaseKey).export({ type: 'spki', format: 'pem' }).toString(),
      );
    checkBinaries(dir, options.arch);

    const file = join(options.outDir, `${name}.tar.gz`);
    packReproducibly(dir, file, sourceDateEpoch());
    const sha256 = await sha256File(file);
    const built: BuiltBundle = { file, sha256, version, arch: options.arch };
    if (!options.releaseKey) return built;
    const manifest = `${file}.release.json`;
    const signed = signRelease({ version, arch: options.arch, sha256 }, options.releaseKey);
    writeFileSync(manifest, `${JSON.stringify(signed, null, 2)}\n`);
    return { ...built, manifest };
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
      sign: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: scripts/build-hub-bundle [--arch arm64|x64|all] [--out DIR] [--version V] [--sign RELEASE_KEY.pem]',
    );
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
  let releaseKey: KeyObject | undefined;
  if (values.sign) {
    try {
      releaseKey = createPrivateKey(readFileSync(values.sign));
      if (releaseKey.asymmetricKeyType !== 'ed25519') throw new Error('it is not an Ed25519 private key');
    } catch (error) {
      console.error(
        `build-hub-bundle: --sign: cannot read the release key ${values.sign}: ${(error as Error).message}`,
      );
      process.exit(66);
    }
  }
  for (const arch of arches) {
    const bundle = await buildHubBundle({
      arch,
      outDir: resolve(values.out),
      version: values.version,
      releaseKey,
    });
    console.log(`${bundle.file}\n  ${humanSize(bundle.file)}  sha256 ${bundle.sha256}`);
    if (bundle.manifest) console.log(`  signed: ${bundle.manifest}`);
  }
}

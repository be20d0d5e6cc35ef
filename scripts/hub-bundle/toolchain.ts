// What the build machine supplies: the target's Node runtime and native packages from the npm
// registry (`npm pack`, the only download), and native addons cross-compiled with Debian's
// compilers against the local Node headers. Everything is cached under .hearth/hub-bundle-cache,
// keyed by its inputs, so a second build reuses the minutes a cross-compile takes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TargetArch } from './elf.js';

export interface Toolchain {
  /** Root of the repository (where node_modules is). */
  repoRoot: string;
  /** Cache folder, gitignored. */
  cacheDir: string;
}

function sh(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${(e.stderr || e.stdout || e.message).slice(-4000)}`,
    );
  }
}

/** True when `command` runs on this machine. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function key(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** Builds `produce(tmp)` once into the cache folder named `name-key`; later calls return it at once. */
function cached(tc: Toolchain, name: string, produce: (dir: string) => void): string {
  const dir = join(tc.cacheDir, name);
  if (existsSync(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  produce(tmp);
  execFileSync('touch', [join(tmp, '.complete')]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** Unpacks `spec` (name@version) from the npm registry; returns the folder holding its `package/`. */
export function npmPackage(tc: Toolchain, spec: string): string {
  const safe = spec.replace(/[^a-zA-Z0-9.@-]/g, '_');
  const dir = cached(tc, `npm-${safe}`, (tmp) => {
    const file = sh('npm', ['pack', spec, '--silent', '--pack-destination', tmp]).trim().split('\n').pop()!;
    sh('tar', ['-xzf', join(tmp, file), '-C', tmp]);
    rmSync(join(tmp, file));
  });
  return join(dir, 'package');
}

/** The Node binary for `arch` at this machine's Node version, stripped of debug symbols. */
export function nodeRuntime(tc: Toolchain, arch: TargetArch): string {
  const version = process.version.slice(1);
  const pkg = npmPackage(tc, `node-linux-${arch}@${version}`);
  const dir = cached(tc, `node-${arch}-${version}-stripped`, (tmp) => {
    cpSync(join(pkg, 'bin/node'), join(tmp, 'node'));
    sh(stripFor(arch), ['--strip-unneeded', join(tmp, 'node')]);
  });
  return join(dir, 'node');
}

function stripFor(arch: TargetArch): string {
  return arch === 'arm64' ? 'aarch64-linux-gnu-strip' : 'strip';
}

/** Folder with this machine's Node headers (`<dir>/include/node/node.h`), for node-gyp's --nodedir. */
export function localNodeDir(): string {
  const candidates = [join(dirname(dirname(process.execPath))), '/usr', '/usr/local'];
  const found = candidates.find((dir) => existsSync(join(dir, 'include/node/node.h')));
  if (!found)
    throw new Error(
      `no Node headers found (looked for include/node/node.h under ${candidates.join(', ')}); install the nodejs headers (Debian: libnode-dev)`,
    );
  return found;
}

/**
 * The addon `output` (e.g. build/Release/better_sqlite3.node) of the installed package `name`,
 * compiled for `arch` with node-gyp against the local Node headers. x64 on an x64 build machine
 * is the addon `npm ci` already compiled from source (`build_from_source`); arm64 is
 * cross-compiled with aarch64-linux-gnu-g++. The result is stripped (lean, and free of build paths).
 */
export function nativeAddon(tc: Toolchain, name: string, output: string, arch: TargetArch): string {
  const source = join(tc.repoRoot, 'node_modules', name);
  const version = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version as string;
  const native = arch === process.arch;
  const compiler = native ? sh('g++', ['--version']) : sh('aarch64-linux-gnu-g++', ['--version']);
  const id = key([name, version, process.version, arch, compiler.split('\n')[0]!, native ? 'host' : 'cross']);
  const dir = cached(tc, `addon-${name.replace('/', '+')}-${version}-${arch}-${id}`, (tmp) => {
    const file = join(tmp, 'addon.node');
    if (native) {
      const built = join(source, output);
      if (!existsSync(built))
        throw new Error(`${built} is missing: run 'npm ci' (it compiles ${name} from source) first`);
      cpSync(built, file);
    } else {
      const work = join(tmp, 'src');
      cpSync(source, work, { recursive: true, filter: (p) => !p.startsWith(join(source, 'build')) });
      const gyp = join(
        dirname(dirname(process.execPath)),
        'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      );
      const cross = {
        CC: 'aarch64-linux-gnu-gcc',
        CXX: 'aarch64-linux-gnu-g++',
        LINK: 'aarch64-linux-gnu-g++',
        AR: 'aarch64-linux-gnu-ar',
      };
      console.log(`  cross-compiling ${name} ${version} for ${arch} (a few minutes; cached afterwards)`);
      sh(
        process.execPath,
        [gyp, 'rebuild', `--arch=${arch}`, `--nodedir=${localNodeDir()}`, '--release', '-j', '2'],
        {
          cwd: work,
          env: cross,
        },
      );
      cpSync(join(work, output), file);
      rmSync(work, { recursive: true, force: true });
    }
    sh(stripFor(arch), ['--strip-unneeded', file]);
  });
  return join(dir, 'addon.node');
}

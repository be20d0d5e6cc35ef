// The bundle's node_modules: the packages the hub programs leave outside their esbuild bundles and
// everything those need at run time, copied from the build machine's node_modules without dev
// files, with every native addon replaced by the one for the target.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { TargetArch } from './elf.js';
import { nativeAddon, npmPackage, type Toolchain } from './toolchain.js';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** How a package with native code is made right for the target. */
interface NativeRule {
  /** Paths inside the package that are build inputs or other platforms' binaries, removed from the copy. */
  drop: string[];
  /** Run-time dependencies, when the declared ones include install-time tools (downloaders). */
  runtimeDependencies?: string[];
  /** Puts the target's binary in place (`dir` is the package's copy in the bundle). */
  install(tc: Toolchain, dir: string, arch: TargetArch, nodeModules: string): void;
}

const gnuName = (arch: TargetArch) => (arch === 'arm64' ? 'linux-arm64-gnu' : 'linux-x64-gnu');

export const nativeRules: Record<string, NativeRule> = {
  'better-sqlite3': {
    drop: ['build', 'deps', 'src', 'binding.gyp'],
    // prebuild-install only fetches binaries at install time.
    runtimeDependencies: ['bindings'],
    install(tc, dir, arch) {
      const out = 'build/Release/better_sqlite3.node';
      mkdirSync(join(dir, 'build/Release'), { recursive: true });
      cpSync(nativeAddon(tc, 'better-sqlite3', out, arch), join(dir, out));
    },
  },
  epoll: {
    drop: ['build', 'src', 'binding.gyp', 'example', 'test'],
    // nan is C++ headers for the compiler.
    runtimeDependencies: ['bindings'],
    install(tc, dir, arch) {
      const out = 'build/Release/epoll.node';
      mkdirSync(join(dir, 'build/Release'), { recursive: true });
      cpSync(nativeAddon(tc, 'epoll', out, arch), join(dir, out));
    },
  },
  // serialport's prebuilt binaries, as the package ships them; node-gyp-build picks the glibc one
  // and would prefer a local build/ over them, so that goes.
  '@serialport/bindings-cpp': {
    drop: ['build', 'src', 'binding.gyp'],
    runtimeDependencies: [
      '@serialport/bindings-interface',
      '@serialport/parser-readline',
      'debug',
      'node-gyp-build',
    ],
    install(_tc, dir, arch) {
      for (const platform of readdirSync(join(dir, 'prebuilds')))
        if (platform !== `linux-${arch}`) rmSync(join(dir, 'prebuilds', platform), { recursive: true });
      for (const file of readdirSync(join(dir, 'prebuilds', `linux-${arch}`)))
        if (!file.includes('glibc')) rmSync(join(dir, 'prebuilds', `linux-${arch}`, file));
    },
  },
  // onnxruntime ships its CPU runtime for every platform; its other dependencies only download GPU builds.
  'onnxruntime-node': {
    drop: ['script'],
    runtimeDependencies: ['onnxruntime-common'],
    install(_tc, dir, arch) {
      const bin = join(dir, 'bin/napi-v6');
      for (const platform of readdirSync(bin))
        if (platform !== 'linux') rmSync(join(bin, platform), { recursive: true });
      for (const cpu of readdirSync(join(bin, 'linux')))
        if (cpu !== arch) rmSync(join(bin, 'linux', cpu), { recursive: true });
    },
  },
  // node-datachannel loads @node-datachannel/<platform> at run time; only the target's is added,
  // from the registry when the build machine does not have it installed (the arm64 one).
  'node-datachannel': {
    drop: ['src', 'CMakeLists.txt', 'rollup.config.mjs', 'jest.config.ts', 'tsconfig.json'],
    runtimeDependencies: ['detect-libc'],
    install(tc, dir, arch, nodeModules) {
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      const name = `@node-datachannel/${gnuName(arch)}`;
      const local = join(tc.repoRoot, 'node_modules', name);
      const from = existsSync(join(local, 'package.json')) ? local : npmPackage(tc, `${name}@${version}`);
      cpSync(from, join(nodeModules, name), { recursive: true });
    },
  },
};

// Files and folders no program opens at run time.
const devDirs = new Set([
  'test',
  'tests',
  '__tests__',
  'example',
  'examples',
  'docs',
  'doc',
  'benchmark',
  'benchmarks',
  '.github',
  '.bin',
]);
const devFile =
  /(\.md|\.markdown|\.d\.[cm]?ts|\.ts|\.map|\.gyp|\.gypi|\.cc|\.cpp|\.c|\.h|\.hpp|\.tsbuildinfo)$|^(\.npmignore|\.eslintrc.*|\.prettierrc.*|\.editorconfig|\.travis\.yml|Makefile|tsconfig.*\.json)$/i;

function keep(path: string, root: string, rule?: NativeRule): boolean {
  const rel = relative(root, path);
  if (rel === '') return true;
  if (rule?.drop.some((d) => rel === d || rel.startsWith(`${d}/`))) return false;
  const parts = rel.split('/');
  const name = parts[parts.length - 1]!;
  if (/^licen[cs]e/i.test(name)) return true;
  // Nested node_modules are copied as packages of their own (only those needed at run time).
  if (parts.includes('node_modules')) return false;
  return !parts.some((p) => devDirs.has(p)) && !devFile.test(name);
}

/** Where Node would find `name` from the package at `from` (both inside `nodeModules`). */
function resolvePackage(nodeModules: string, from: string, name: string): string | undefined {
  for (let dir = from; dir.startsWith(nodeModules); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === nodeModules) break;
  }
  const top = join(nodeModules, name);
  return existsSync(join(top, 'package.json')) ? top : undefined;
}

/**
 * Copies `roots` and their run-time dependency closure from `sourceModules` into
 * `targetModules`, keeping the same nesting so Node resolves them the same way; returns the
 * packages copied (name@version, sorted).
 */
export function copyProductionModules(
  tc: Toolchain,
  roots: string[],
  sourceModules: string,
  targetModules: string,
  arch: TargetArch,
): string[] {
  const copied = new Map<string, string>();
  const queue = roots.map((name) => ({ name, from: sourceModules }));
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    const dir = resolvePackage(sourceModules, from, name);
    if (!dir)
      throw new Error(
        `${name} (needed by ${relative(sourceModules, from) || 'the hub'}) is not installed: run 'npm ci'`,
      );
    if (copied.has(dir)) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    copied.set(dir, `${pkg.name}@${pkg.version}`);
    const rule = nativeRules[pkg.name];
    const target = join(targetModules, relative(sourceModules, dir));
    cpSync(dir, target, { recursive: true, filter: (p) => keep(p, dir, rule) });
    rule?.install(tc, target, arch, targetModules);
    const optional = Object.keys(pkg.optionalDependencies ?? {}).filter(
      (dep) => !rule && resolvePackage(sourceModules, dir, dep),
    );
    const deps = rule?.runtimeDependencies ?? [...Object.keys(pkg.dependencies ?? {}), ...optional];
    for (const dep of deps) queue.push({ name: dep, from: dir });
  }
  return [...copied.values()].sort();
}

// What the bundle, install and update suites need from the machine. Outside CI a missing tool
// skips the suite with a loud reason; in CI (CI=true) it fails it, so nothing is skipped silently.
import { hasCommand } from '../../scripts/hub-bundle/toolchain.js';

/** Tools the build of an arm64 and an x64 bundle runs. */
export const buildTools = [
  'tar',
  'gzip',
  'g++',
  'strip',
  'aarch64-linux-gnu-g++',
  'aarch64-linux-gnu-strip',
  'npm',
];

/** The missing tools among `tools`; throws in CI when any is missing. */
export function requireTools(suite: string, tools: string[], extra: (string | null)[] = []): string[] {
  const missing = [...tools.filter((t) => !hasCommand(t)), ...extra.filter((e): e is string => e !== null)];
  if (missing.length > 0 && process.env.CI === 'true')
    throw new Error(`${suite}: CI=true but these are missing: ${missing.join(', ')}`);
  if (missing.length > 0)
    console.warn(`\n*** ${suite} is SKIPPED: missing ${missing.join(', ')} (in CI this fails) ***\n`);
  return missing;
}

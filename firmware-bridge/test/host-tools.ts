import { hostToolAvailable } from '../src/node-simulator.js';

/**
 * Whether a host program the integration tests need (cc, socat) is on PATH. Missing outside CI, the
 * suite is skipped with a warning naming the package to install; with CI=true a missing tool fails
 * the run instead, so a green CI always means these suites ran.
 */
export function hostTool(command: string, installHint: string): { available: boolean; reason: string } {
  const found = hostToolAvailable(command);
  const reason = `${command} not found on PATH (${installHint})`;
  if (!found) {
    if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires it`);
    console.warn(`\n*** SKIPPING tests that need ${command}: ${reason} ***\n`);
  }
  return { available: found, reason };
}

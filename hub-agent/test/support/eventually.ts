import type { FakeClock } from '../../src/clock.js';

/**
 * Waits until `condition` holds, letting real I/O run and moving the fake clock by `stepMs` each
 * round; fails after `rounds` so a broken module cannot hang the suite.
 */
export async function eventually(
  condition: () => boolean,
  options: { clock?: FakeClock; stepMs?: number; rounds?: number; what?: string } = {},
): Promise<void> {
  const rounds = options.rounds ?? 500;
  for (let i = 0; i < rounds; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
    options.clock?.advance(options.stepMs ?? 0);
  }
  throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
}

/**
 * Polls `probe` until `accept` holds, for programs that say nothing when they are ready; a probe
 * that throws counts as not ready yet. Fails after `timeoutMs` naming the last value seen.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

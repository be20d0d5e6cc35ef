import type { Logger } from 'pino';
import type { Module } from './agent.js';

/** How a stop of the agent's modules ended. */
export interface StopOutcome {
  /** True when every module's stop finished (cleanly or by failing) within the time allowed. */
  finished: boolean;
  /** Modules whose stop had not finished when the time ran out: the one stopping, then those not reached. */
  pending: string[];
}

/**
 * Stops `started` (given in start order) one by one in reverse, and gives up after `timeoutMs`: a
 * module whose stop never settles must not keep the hub from exiting, since systemd would then kill
 * it without a word in the log. A stop that throws is logged and the next module is stopped. Never
 * rejects; what did not stop in time is logged and returned.
 */
export async function stopModules(
  started: readonly Module[],
  log: Logger,
  timeoutMs: number,
): Promise<StopOutcome> {
  const order = [...started].reverse();
  let next = 0;
  const all = (async () => {
    for (; next < order.length; next++) {
      const module = order[next]!;
      try {
        await module.stop();
      } catch (error) {
        safely(() => log.error({ module: module.name, err: String(error) }, 'module failed to stop cleanly'));
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([all.then(() => 'done' as const), outOfTime]);
  clearTimeout(timer);
  if (result === 'done') return { finished: true, pending: [] };
  const pending = order.slice(next).map((m) => m.name);
  safely(() => log.error({ pending, timeoutMs }, 'modules did not stop in time; exiting without them'));
  return { finished: false, pending };
}

/** A log line must never be the reason the hub cannot exit. */
function safely(write: () => void): void {
  try {
    write();
  } catch {
    // Nowhere left to report it: the log itself failed.
  }
}

import type { Logger } from 'pino';

/** A piece of the running cloud with a lifetime: built first, then started in order, stopped in reverse. */
export interface Module {
  /** Named in logs, e.g. when it does not stop in time. */
  readonly name: string;
  /** Begins its work (listening, timers). @throws when it cannot; the ones started before are stopped. */
  start(): void | Promise<void>;
  /** Ends its work; may be called once after start. A throw is logged and the next module stops. */
  stop(): void | Promise<void>;
}

/**
 * Starts `modules` in order. When one fails to start, the ones already started are stopped in reverse
 * and the error is rethrown, so a half-started cloud never keeps ports or timers open.
 */
export async function startModules(
  modules: readonly Module[],
  log: Logger,
  stopTimeoutMs: number,
): Promise<void> {
  const started: Module[] = [];
  for (const module of modules) {
    try {
      await module.start();
    } catch (err) {
      log.error({ err, module: module.name }, 'module failed to start; stopping the others');
      await stopModules(started, log, stopTimeoutMs);
      throw err;
    }
    started.push(module);
  }
}

/**
 * Stops `started` (given in start order) one by one in reverse, giving up after `timeoutMs`: a module
 * whose stop never settles must not keep the process from exiting. Never rejects.
 * @returns the names of the modules that had not stopped when the time ran out.
 */
export async function stopModules(
  started: readonly Module[],
  log: Logger,
  timeoutMs: number,
): Promise<string[]> {
  const order = [...started].reverse();
  let next = 0;
  const all = (async () => {
    for (; next < order.length; next++) {
      const module = order[next]!;
      try {
        await module.stop();
      } catch (err) {
        log.error({ err, module: module.name }, 'module failed to stop cleanly');
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  const result = await Promise.race([all.then(() => 'done' as const), outOfTime]);
  clearTimeout(timer);
  if (result === 'done') return [];
  const pending = order.slice(next).map((m) => m.name);
  log.error({ pending, timeoutMs }, 'modules did not stop in time; going on without them');
  return pending;
}

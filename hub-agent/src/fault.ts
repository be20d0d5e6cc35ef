/**
 * Named instants where a test may kill the agent, to prove what a power cut there leaves behind.
 * `HEARTH_FAULT=<name>` makes the process SIGKILL itself the first time it reaches that point; unset
 * (always, outside such tests) it costs one comparison.
 */
const armed = process.env.HEARTH_FAULT;

export type FaultPointName = 'serial.after-commit';

export function faultPoint(name: FaultPointName): void {
  if (armed !== name) return;
  process.kill(process.pid, 'SIGKILL');
}

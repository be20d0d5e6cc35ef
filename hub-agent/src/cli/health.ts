// `hearth health`: the gate a new release must pass after an upgrade (scripts/install-hub.sh
// switches back when it does not). It judges the hub by what it is for, not by the cloud: the
// agent answers, it is the process started after the switch, its outbox is writable and time-based
// detection has run since it started; the robot's broker listens when the robot feature is on.
import { accessSync, constants, existsSync } from 'node:fs';
import { dataPaths } from '../config/paths.js';
import type { AgentStatus } from '../control/status.js';
import { CliError, EXIT, type Output } from './output.js';
import { fetchStatus } from './status.js';

export interface HealthCheck {
  name: 'agent' | 'outbox' | 'detection' | 'broker' | 'cloud';
  ok: boolean;
  /** Optional checks are reported but do not fail the gate (the cloud may be down during an upgrade). */
  optional: boolean;
  detail: string;
}

/** Judges a status answered by the agent; `since` (ms) is when the new release was switched to. */
export function judgeHealth(status: AgentStatus, dataDir: string, since: number | undefined): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const started = Date.parse(status.agent.startedAt);
  const fresh = since === undefined || started >= since;
  checks.push({
    name: 'agent',
    ok: fresh,
    optional: false,
    detail: fresh
      ? `ready (pid ${status.agent.pid}, started ${status.agent.startedAt})`
      : `the agent answering started at ${status.agent.startedAt}, before the switch: the new one has not taken over`,
  });
  const outbox = dataPaths(dataDir).outbox;
  let writable = existsSync(outbox);
  try {
    accessSync(outbox, constants.W_OK);
    accessSync(dataDir, constants.W_OK);
  } catch {
    writable = false;
  }
  checks.push({
    name: 'outbox',
    ok: writable,
    optional: false,
    detail: writable ? `writable, seq ${status.outbox.lastSeq}` : `${outbox} is missing or not writable`,
  });
  const ticks = status.detection?.ticks ?? 0;
  checks.push({
    name: 'detection',
    ok: ticks > 0,
    optional: false,
    detail:
      ticks > 0
        ? `ticking (${ticks} run${ticks === 1 ? '' : 's'}, last ${status.detection?.lastTickAt})`
        : 'no time-based detection has run since the agent started',
  });
  const broker = judgeBroker(status.robot);
  if (broker) checks.push(broker);
  checks.push({
    name: 'cloud',
    ok: status.cloud.connected,
    optional: true,
    detail: status.hubId ? `${status.cloud.state}` : 'not paired',
  });
  return checks;
}

/**
 * The robot's broker, as the robot status reports it: nothing to judge when the robot feature is
 * off. The hub's own broker must be listening; an external broker is the home's, not this
 * release's, so its link is reported without failing the gate.
 */
function judgeBroker(robot: AgentStatus['robot']): HealthCheck | undefined {
  if (robot.state === 'disabled') return undefined;
  if (robot.broker?.external)
    return {
      name: 'broker',
      ok: robot.link?.connected === true,
      optional: true,
      detail: `external broker ${robot.broker.host}:${robot.broker.port} ${robot.link?.connected ? 'connected' : 'not connected'}`,
    };
  const up = robot.state !== 'broker_failed' && robot.broker != null;
  return {
    name: 'broker',
    ok: up,
    optional: false,
    detail: up
      ? `listening on ${robot.broker?.host}:${robot.broker?.port}${robot.broker?.tls ? ' (tls)' : ''}`
      : `not listening${robot.lastError ? `: ${robot.lastError}` : ''}`,
  };
}

/** Prints the checks; fails with CHECK_FAILED when a required one fails. */
export async function health(
  socket: string,
  dataDir: string,
  since: number | undefined,
  out: Output,
): Promise<number> {
  const status = await fetchStatus(socket);
  const checks = judgeHealth(status, dataDir, since);
  const healthy = checks.every((c) => c.ok || c.optional);
  for (const c of checks)
    out.line(`${c.ok ? 'ok  ' : c.optional ? 'warn' : 'FAIL'}  ${c.name.padEnd(10)} ${c.detail}`);
  out.result({ healthy, checks });
  if (!healthy) {
    // With --json the checks above already say what failed; one document, one exit code.
    if (out.json) return EXIT.CHECK_FAILED;
    const failed = checks.filter((c) => !c.ok && !c.optional);
    throw new CliError(
      `not healthy: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      EXIT.CHECK_FAILED,
      'UNHEALTHY',
    );
  }
  return EXIT.OK;
}

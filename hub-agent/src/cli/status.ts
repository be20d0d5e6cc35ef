import { existsSync } from 'node:fs';
import type { HubAlertRecord } from '../alerts/alert-ledger.js';
import { readCredentials } from '../config/credentials.js';
import { dataPaths } from '../config/paths.js';
import { AgentClient, AgentUnreachable } from '../control/client.js';
import { AgentStatus } from '../control/status.js';
import { readOutboxSnapshot } from '../store/read-stats.js';
import { CliError, EXIT, type Output } from './output.js';

/** Turns a failure to reach the agent into the CLI's error. */
export function agentFailure(error: unknown): CliError {
  if (error instanceof AgentUnreachable) {
    return new CliError(
      error.message,
      error.code === 'AGENT_NOT_RUNNING' ? EXIT.AGENT_NOT_RUNNING : EXIT.FAILED,
      error.code,
    );
  }
  return new CliError(error instanceof Error ? error.message : String(error), EXIT.FAILED);
}

export async function fetchStatus(socketPath: string): Promise<AgentStatus> {
  let raw: unknown;
  try {
    raw = await new AgentClient(socketPath).call('GET', '/status');
  } catch (error) {
    throw agentFailure(error);
  }
  const parsed = AgentStatus.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      'the agent answered /status in an unexpected shape; are hearth and hearth-agent the same version?',
      EXIT.FAILED,
    );
  return parsed.data;
}

/** The person who has the alert, by name when the cloud sent it (older clouds send only an id). */
export function handledBy(a: HubAlertRecord): string {
  const [name, id] =
    a.status === 'resolved' ? [a.resolvedByName, a.resolvedBy] : [a.acknowledgedByName, a.acknowledgedBy];
  return name ?? (id ? `staff ${id.slice(0, 8)}` : 'staff');
}

/** What a technician does with a hub that is not paired yet (first boot after an install). */
export const HOW_TO_PAIR = [
  "To pair it: in the dashboard open the senior's page and create a pairing code, then run",
  '  sudo -u hearth hearth pair --cloud URL --code CODE',
];

const ago = (iso: string | null, now: number) => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

/**
 * What can be learned with the agent stopped: who the hub is and what the outbox holds, read
 * without writing anything. Null when there is nothing to read.
 */
function offlineSummary(dataDir: string): string[] {
  const lines: string[] = [];
  try {
    const creds = readCredentials(dataPaths(dataDir).credentials);
    lines.push(
      creds
        ? `Hub        ${creds.hubId} (${creds.seniorName ?? creds.seniorId}) at ${creds.cloudUrl}`
        : ['Hub        not paired', ...HOW_TO_PAIR.map((l) => `           ${l}`)].join('\n'),
    );
  } catch (error) {
    lines.push(`Hub        ${(error as Error).message}`);
  }
  const path = dataPaths(dataDir).outbox;
  if (!existsSync(path)) return lines;
  try {
    const { lastSeq, ackedThroughSeq, backlog } = readOutboxSnapshot(path);
    lines.push(
      `Outbox     seq ${lastSeq}, cloud has through ${ackedThroughSeq}, backlog ${backlog} (kept safely until the agent runs)`,
    );
  } catch (error) {
    lines.push(`Outbox     cannot be read: ${(error as Error).message}`);
  }
  return lines;
}

/** `hearth status`: the agent's health in one screen; exit 0 when it runs, whatever the cloud link says. */
export async function status(socketPath: string, out: Output, dataDir?: string): Promise<AgentStatus> {
  let s: AgentStatus;
  try {
    s = await fetchStatus(socketPath);
  } catch (error) {
    if (dataDir && error instanceof CliError && error.exitCode === EXIT.AGENT_NOT_RUNNING) {
      for (const line of offlineSummary(dataDir)) out.line(line);
    }
    throw error;
  }
  out.result(s);
  const now = Date.now();
  out.line(`Hub        ${s.hubId ?? 'not paired'}`);
  if (!s.hubId) for (const line of HOW_TO_PAIR) out.line(`           ${line}`);
  if (s.seniorName) out.line(`Home       ${s.seniorName}`);
  out.line(
    `Cloud      ${s.cloud.url ?? '-'}  ${s.cloud.connected ? 'connected' : s.cloud.state}, last upload ${ago(s.cloud.lastUploadAt, now)}`,
  );
  if (s.cloud.lastError) out.line(`           ${s.cloud.lastError}`);
  if (s.cloud.control) {
    const c = s.cloud.control;
    out.line(
      `Commands   ${c.connected ? 'connected' : c.state}, last message ${ago(c.lastMessageAt, now)}${c.lastError ? `: ${c.lastError}` : ''}`,
    );
  }
  out.line(
    `Outbox     seq ${s.outbox.lastSeq}, cloud has through ${s.outbox.ackedThroughSeq}, backlog ${s.outbox.backlog}` +
      (s.outbox.pendingAlerts ? ` (${s.outbox.pendingAlerts} alerts)` : '') +
      (s.outbox.droppedReadings ? `, ${s.outbox.droppedReadings} readings dropped by the disk quota` : ''),
  );
  out.line(
    `Clock      ${s.clock.synced ? 'synchronised' : 'NOT synchronised (timestamps are flagged until it is)'}`,
  );
  if (s.alerts) {
    out.line(
      `Alerts     ${s.alerts.open} waiting for a person, ${s.alerts.acknowledged} in a person's hands`,
    );
    for (const a of s.alerts.recent.slice(0, 3)) {
      const who = a.status === 'open' ? 'nobody yet' : `${a.status} by ${handledBy(a)}`;
      out.line(`           ${a.kind} (${a.severity}) raised ${ago(a.raisedAt, now)}: ${who}`);
    }
  }
  const broker = s.robot.broker;
  out.line(
    `Robot      ${s.robot.state}${broker ? `, broker ${broker.host}:${broker.port}${broker.tls ? ' (TLS)' : ''}` : ''}`,
  );
  out.line(
    `Model      ${s.model.version ? `version ${s.model.version} (${s.model.sha256?.slice(0, 12)}…)` : 'none yet: hard rules only'}`,
  );
  if (s.release) {
    const { running, state, version, reportsWaiting } = s.release;
    const under = version ? `; release ${version} ${state.replace('_', ' ')}` : '';
    const waiting = reportsWaiting > 0 ? `; ${reportsWaiting} outcome(s) not yet told to the cloud` : '';
    out.line(`Release    ${running}${under}${waiting}`);
  }
  for (const [source, reason] of Object.entries(s.sources.failed))
    out.line(`Source     ${source} FAILED: ${reason}`);
  out.line(`Sensors    ${s.sensors.length === 0 ? 'none (add one: hearth sensors add …)' : ''}`);
  for (const sensor of s.sensors) {
    const state =
      sensor.available === null ? 'not heard yet' : sensor.available ? 'available' : 'UNAVAILABLE';
    out.line(
      `  ${sensor.id.padEnd(16)} ${sensor.kind.padEnd(12)} ${(sensor.room ?? '').padEnd(10)} ${state.padEnd(14)} last ${ago(sensor.lastSeenAt, now)}`,
    );
  }
  return s;
}

/** `hearth simulate press <sensorId>`: triggers a sensor of the simulated home in a running agent. */
export async function simulatePress(socketPath: string, sensorId: string, out: Output): Promise<void> {
  let answer: { seq: number; sensorId: string };
  try {
    answer = await new AgentClient(socketPath).call('POST', '/simulate/press', { sensorId });
  } catch (error) {
    throw agentFailure(error);
  }
  out.result(answer);
  out.line(`Pressed ${answer.sensorId}: committed as event ${answer.seq}.`);
}

import type { AlertLedger } from '../alerts/alert-ledger.js';
import type { CollectorStats } from '../collect/collector.js';
import type { CredentialsSource } from '../config/credentials-source.js';
import type { SensorRegistry } from '../sensors/registry.js';
import type { OutboxStats } from '../store/outbox.js';
import type { ControlChannelStatus } from '../uplink/control-channel.js';
import type { UplinkStatus } from '../uplink/uplink.js';
import type { AgentStatus } from './status.js';

/** Where each part of `hearth status` comes from: every source is read at the moment of asking. */
export interface StatusSources {
  agent: { pid: number; startedAt: number; dataDir: string; simulate: boolean; bootId: string };
  credentials: CredentialsSource;
  clockSynced: () => boolean;
  uplink: () => UplinkStatus;
  control: () => ControlChannelStatus;
  outbox: () => OutboxStats;
  readings: () => CollectorStats;
  registry: SensorRegistry;
  sources: () => AgentStatus['sources'];
  model: () => AgentStatus['model'];
  alerts: AlertLedger;
  /** The release running and one under way. */
  release?: () => NonNullable<AgentStatus['release']>;
  /** The robot's broker and link, when the robot feature is enabled. */
  robot?: () => AgentStatus['robot'];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** The agent's state as `GET /status` answers it. */
export function projectStatus(from: StatusSources): AgentStatus {
  const creds = from.credentials.current();
  const up = from.uplink();
  const control = from.control();
  const outbox = from.outbox();
  const counts = from.readings();
  return {
    hubId: creds?.hubId ?? null,
    seniorId: creds?.seniorId ?? null,
    seniorName: creds?.seniorName ?? null,
    agent: { ...from.agent, startedAt: new Date(from.agent.startedAt).toISOString() },
    clock: { synced: from.clockSynced() },
    cloud: {
      url: creds?.cloudUrl ?? null,
      state: up.state,
      connected: up.connected,
      lastUploadAt: iso(up.lastUploadAt ?? outbox.lastUploadAt),
      lastError: from.credentials.problem() ?? up.lastError,
      control: {
        state: control.state,
        connected: control.connected,
        lastMessageAt: iso(control.lastMessageAt),
        lastError: control.lastError,
      },
    },
    outbox: {
      lastSeq: outbox.lastSeq,
      ackedThroughSeq: outbox.ackedThroughSeq,
      backlog: outbox.backlog,
      pendingAlerts: outbox.pendingAlerts,
      droppedReadings: outbox.droppedReadings,
    },
    readings: { committed: counts.committed, rejected: counts.rejected, alertsRaised: counts.alertsRaised },
    detection: { ticks: counts.ticks, lastTickAt: iso(counts.lastTickAt) },
    sensors: from.registry.list(),
    sources: from.sources(),
    robot: from.robot?.() ?? { state: 'disabled' },
    model: from.model(),
    ...(from.release && { release: from.release() }),
    alerts: from.alerts.summary(),
    memory: memory(),
  };
}

function memory(): NonNullable<AgentStatus['memory']> {
  const m = process.memoryUsage();
  return {
    rssMB: mib(m.rss),
    heapTotalMB: mib(m.heapTotal),
    heapUsedMB: mib(m.heapUsed),
    externalMB: mib(m.external),
  };
}

import { z } from 'zod';
import { HubAlertRecord } from '../alerts/alert-ledger.js';

/** One sensor as `hearth status` and `hearth sensors list` show it. */
export const SensorStatus = z.object({
  id: z.string(),
  kind: z.string(),
  room: z.string().nullable(),
  /** Which source reads it: `simulated-home`, `gpio`, `serial:…`. */
  source: z.string(),
  /** False once it missed its expected heartbeat; null before it was ever heard. */
  available: z.boolean().nullable(),
  lastSeenAt: z.string().nullable(),
});
export type SensorStatus = z.infer<typeof SensorStatus>;

/** What `GET /status` answers and `hearth status --json` prints. */
export const AgentStatus = z.object({
  hubId: z.string().nullable(),
  seniorId: z.string().nullable(),
  seniorName: z.string().nullable(),
  agent: z.object({
    pid: z.number(),
    startedAt: z.string(),
    dataDir: z.string(),
    simulate: z.boolean(),
    bootId: z.string(),
  }),
  clock: z.object({ synced: z.boolean() }),
  cloud: z.object({
    url: z.string().nullable(),
    state: z.string(),
    connected: z.boolean(),
    lastUploadAt: z.string().nullable(),
    lastError: z.string().nullable(),
    /** The control channel (commands down); optional so a newer CLI still reads an older agent. */
    control: z
      .object({
        state: z.string(),
        connected: z.boolean(),
        lastMessageAt: z.string().nullable(),
        lastError: z.string().nullable(),
      })
      .optional(),
  }),
  outbox: z.object({
    lastSeq: z.number(),
    ackedThroughSeq: z.number(),
    backlog: z.number(),
    pendingAlerts: z.number(),
    droppedReadings: z.number(),
  }),
  readings: z.object({ committed: z.number(), rejected: z.number(), alertsRaised: z.number() }),
  /** Time-based detection runs since the agent started; optional so a newer CLI reads an older agent. */
  detection: z.object({ ticks: z.number(), lastTickAt: z.string().nullable() }).optional(),
  sensors: z.array(SensorStatus),
  /** Sensor sources running, and those that could not start with the reason. */
  sources: z.object({ running: z.array(z.string()), failed: z.record(z.string(), z.string()) }),
  /** Robots and where their broker listens; the detail is optional so a newer CLI reads an older agent. */
  robot: z.object({
    state: z.string(),
    lastError: z.string().nullable().optional(),
    broker: z
      .object({ host: z.string(), port: z.number(), tls: z.boolean(), external: z.boolean() })
      .nullable()
      .optional(),
    link: z.object({ connected: z.boolean() }).optional(),
    robots: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
  model: z.object({ state: z.string(), version: z.string().nullable(), sha256: z.string().nullable() }),
  /** The agent's memory (MiB): resident set, V8 heap, and what native code and buffers hold outside it. */
  memory: z
    .object({ rssMB: z.number(), heapTotalMB: z.number(), heapUsedMB: z.number(), externalMB: z.number() })
    .optional(),
  /** The release running and an over-the-air release under way; optional so a newer CLI reads an older agent. */
  release: z
    .object({
      running: z.string(),
      state: z.string(),
      version: z.string().nullable(),
      reportsWaiting: z.number(),
    })
    .optional(),
  /** The hub's alerts and whether a person has them: counts, and the latest ones newest first. */
  alerts: z
    .object({ open: z.number(), acknowledged: z.number(), recent: z.array(HubAlertRecord) })
    .optional(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

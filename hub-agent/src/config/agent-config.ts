import { readFileSync } from 'node:fs';
import { summariseIssues } from '@hearth/shared';
import { z } from 'zod';
import { RobotConfig } from '../robot/config.js';
import { VideoConfig } from '../video/video-config.js';

/** Settings of `hearth-agent`, from `--config FILE` (JSON) and the command line; every one has a default. */
export const AgentConfig = z
  .object({
    /** Use the simulated home instead of the hardware sensors. */
    simulate: z.boolean().default(false),
    /** How many times faster than real time the simulated day runs. */
    simSpeed: z.number().positive().max(10_000).default(1),
    /** The simulated pendant is pressed about this often (seconds); 0 never. */
    simPendantEverySeconds: z.number().nonnegative().default(60),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    /** How often time-based rules (inactivity, bathroom…) are judged, in ms. */
    detectTickMs: z.number().int().min(1000).default(60_000),
    /** A device that sends heartbeats but has no interval configured is expected this often (seconds). */
    defaultHeartbeatSeconds: z.number().int().min(1).default(60),
    /** Most entries kept in the outbox before the oldest routine readings are dropped. */
    outboxMaxEntries: z.number().int().min(1000).default(5_000_000),
    /** Most disk the outbox may use, in MiB, before the oldest routine readings are dropped. */
    outboxMaxMegabytes: z.number().int().min(16).default(2048),
    uplink: z
      .object({
        batchSize: z.number().int().min(1).max(1000).default(1000),
        backoffInitialMs: z.number().int().min(10).default(1000),
        backoffMaxMs: z.number().int().min(100).default(300_000),
        idlePollMs: z.number().int().min(100).default(15_000),
        /** Routine readings wait this long to share a request; alerts go at once. */
        lingerMs: z.number().int().min(0).default(2000),
        requestTimeoutMs: z.number().int().min(100).default(30_000),
      })
      .strict()
      .prefault({}),
    /** Over-the-air releases (see hub-agent/README.md). */
    ota: z
      .object({
        /** The release key this hub trusts: written by install-hub.sh from the hub's first bundle. */
        releaseKeyFile: z.string().min(1).default('/etc/hearth/release-key.pem'),
        /** Largest release bundle downloaded, in MiB. */
        maxDownloadMegabytes: z.number().int().min(1).max(4096).default(512),
        /** A verified release the installer has not taken within this long is reported failed. */
        installerTimeoutMinutes: z.number().positive().default(30),
      })
      .strict()
      .prefault({}),
    /** Live video: the camera, the viewer limit (see hub-agent/README.md). */
    video: VideoConfig.prefault({}),
    robot: RobotConfig.prefault({}),
  })
  .strict();
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

/** Thrown for a missing or invalid configuration; the message names the file, setting and bad value. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** Reads and validates a config file; `overrides` (from the command line) win. */
export function loadAgentConfig(file: string | undefined, overrides: AgentConfigInput = {}): AgentConfig {
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `cannot read the config file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`the config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  // One level deep, so `--mqtt-port` overrides robot.broker.port without dropping the file's other robot settings.
  const merged: Record<string, unknown> = { ...fromFile, ...overrides };
  if (overrides.robot && typeof fromFile.robot === 'object' && fromFile.robot !== null) {
    const fileRobot = fromFile.robot as Record<string, unknown>;
    merged.robot = {
      ...fileRobot,
      ...overrides.robot,
      broker: { ...(fileRobot.broker as object | undefined), ...overrides.robot.broker },
    };
  }
  const parsed = AgentConfig.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(`invalid setting${file ? ` in ${file}` : ''}: ${summariseIssues(parsed.error)}`);
  }
  return parsed.data;
}

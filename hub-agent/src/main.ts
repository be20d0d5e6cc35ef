// hearth-agent: the hub's daemon. Composition root: reads settings, builds the agent, starts its
// modules in order, stops them in reverse on SIGINT/SIGTERM, and tells systemd how it is doing.
import { parseArgs } from 'node:util';
import { destination, pino } from 'pino';
import { type Agent, buildAgent, type Module } from './agent.js';
import { type AgentConfigInput, ConfigError, loadAgentConfig } from './config/agent-config.js';
import { ensureDataDir, resolveDataDir } from './config/paths.js';
import { stopModules } from './shutdown.js';
import { createNotifier } from './systemd/sd-notify.js';

const USAGE = `usage: hearth-agent [--config FILE] [--data-dir DIR] [--simulate] [--sim-speed N] [--mqtt-port N]

  --config FILE    JSON settings (see hub-agent README); command-line options win
  --data-dir DIR   where the outbox, credentials and control socket live
                   (default: $HEARTH_DATA_DIR, else /var/lib/hearth if writable, else ~/.local/share/hearth)
  --simulate       read the simulated home instead of hardware sensors
  --sim-speed N    run the simulated day N times faster than real time
  --mqtt-port N    port of the robot broker (default 1883; 0 picks a free one)`;

/** Exit codes from sysexits.h, so systemd and scripts can tell a bad setting from a crash. */
const EXIT_USAGE = 64;
const EXIT_CONFIG = 78;
const EXIT_SOFTWARE = 70;

/** Longest a stop may take before the agent exits anyway; well under systemd's TimeoutStopSec=20. */
const STOP_TIMEOUT_MS = 10_000;

function parse(): { configFile?: string; dataDir?: string; overrides: AgentConfigInput } {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      simulate: { type: 'boolean' },
      'sim-speed': { type: 'string' },
      'mqtt-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const overrides: AgentConfigInput = {};
  if (values.simulate) overrides.simulate = true;
  if (values['sim-speed'] !== undefined) {
    const speed = Number(values['sim-speed']);
    if (!Number.isFinite(speed) || speed <= 0)
      throw new ConfigError(`--sim-speed must be a positive number, got '${values['sim-speed']}'`);
    overrides.simSpeed = speed;
  }
  if (values['mqtt-port'] !== undefined) {
    const port = Number(values['mqtt-port']);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new ConfigError(`--mqtt-port must be a port number (0-65535), got '${values['mqtt-port']}'`);
    overrides.robot = { broker: { port } };
  }
  return { configFile: values.config, dataDir: values['data-dir'], overrides };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (error) {
    console.error(`hearth-agent: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(error instanceof ConfigError ? EXIT_CONFIG : EXIT_USAGE);
  }
  // Log lines are written synchronously. pino's default buffers them and flushes at exit; when stdout
  // is a broken pipe (the reader went away), that flush retries the failing write for ever and the
  // agent never exits. A synchronous write meets the broken pipe at once, and pino then stops logging.
  const out = destination({ dest: 1, sync: true });
  const bootLog = pino({ base: { service: 'hearth-agent' } }, out);
  let agent: Agent;
  let dataDir: string;
  let log = bootLog;
  try {
    const config = loadAgentConfig(args.configFile, args.overrides);
    log = pino({ level: config.logLevel, base: { service: 'hearth-agent' } }, out);
    dataDir = resolveDataDir({ flag: args.dataDir });
    ensureDataDir(dataDir);
    agent = buildAgent({ config, dataDir, log });
  } catch (error) {
    log.fatal({ reason: (error as Error).message }, 'hearth-agent cannot start');
    process.exit(error instanceof ConfigError ? EXIT_CONFIG : EXIT_SOFTWARE);
  }

  // A crash is logged as one JSON line; systemd restarts the agent and the outbox still holds everything.
  const crash = (error: unknown) => {
    log.fatal({ err: error instanceof Error ? error.message : String(error) }, 'hearth-agent crashed');
    process.exit(EXIT_SOFTWARE);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const notifier = createNotifier();
  const started: Module[] = [];
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) {
      // Asked again while stopping (a second Ctrl-C): the person wants it gone now.
      if (reason === 'SIGINT' || reason === 'SIGTERM') process.exit(code);
      return;
    }
    stopping = true;
    void (async () => {
      log.info({ reason }, 'stopping');
      notifier.stopping();
      const { finished } = await stopModules(started, log, STOP_TIMEOUT_MS);
      if (finished) log.info('stopped');
      process.exit(code);
    })();
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));

  for (const module of agent.modules) {
    try {
      await module.start();
      started.push(module);
    } catch (error) {
      log.fatal({ module: module.name, reason: (error as Error).message }, 'hearth-agent cannot start');
      stop(`${module.name} failed to start`, EXIT_CONFIG);
      return;
    }
  }
  const status = agent.status();
  log.info(
    { dataDir, hubId: status.hubId, simulate: status.agent.simulate, lastSeq: status.outbox.lastSeq },
    'hearth-agent ready',
  );
  notifier.ready();
}

await main();

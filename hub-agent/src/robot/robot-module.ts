import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RaisedAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import { answerNoRobot, type OnSafetyCheckRequested } from '../alerts/safety-check.js';
import type { Clock } from '../clock.js';
import type { SensorReading } from '../sensors/source.js';
import type { NewOutboxEntry, OutboxEntry } from '../store/outbox.js';
import { robotIdOfClient } from './broker/access.js';
import { HubBroker } from './broker/hub-broker.js';
import { RobotCommander } from './commander.js';
import type { RobotConfig } from './config.js';
import { RobotFleet, type RobotView } from './fleet.js';
import { MqttRobotLink } from './link/mqtt-link.js';
import type { RobotLink } from './link/robot-link.js';
import {
  reportOf,
  type SafetyCheckHop,
  type SafetyCheckRequestInput,
  SafetyChecks,
} from './safety-checks.js';
import { CommandLedger } from './store/command-ledger.js';
import { HUB_USERNAME, RobotRegistry } from './store/credentials.js';
import { openRobotDb } from './store/robot-db.js';

/** A piece with a lifetime, as the agent's module list expects. */
interface Module {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RobotDeps {
  config: RobotConfig;
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** Records a reading through the collector (robot availability, seen by detection). */
  observeReading: (reading: SensorReading) => void;
  /** Commits an entry to the outbox and tells whoever follows commits (robot hops, follow-up alerts). */
  commit: (entry: NewOutboxEntry) => void;
  alerts: SafetyChecks['deps']['alerts'];
  /** Overrides the MQTT link (tests). */
  link?: RobotLink;
}

/** What `hearth status` shows about the robots. */
export interface RobotSection {
  state: string;
  /** Why the robot cannot work (the broker could not listen), or null. */
  lastError: string | null;
  broker: { host: string; port: number; tls: boolean; external: boolean } | null;
  link: { connected: boolean };
  robots: RobotView[];
}

/** Paths of the robot's files in the data directory. */
export const robotPaths = (dataDir: string) => ({
  db: join(dataDir, 'robot.db'),
  broker: join(dataDir, 'robot-broker.db'),
});

/**
 * Builds the robot feature: the broker (unless an external one is configured), the link, the
 * fleet, the command ledger and the safety checks. Nothing starts until its modules do.
 */
export function buildRobot(deps: RobotDeps) {
  const { config, log, clock } = deps;
  const paths = robotPaths(deps.dataDir);
  const db = openRobotDb(paths.db);
  const registry = new RobotRegistry(db, () => clock.now());
  const external = config.externalBroker;
  const broker = external
    ? null
    : new HubBroker({
        host: config.broker.host,
        port: config.broker.port,
        ...(config.broker.tls && {
          tls: {
            cert: readSetting(config.broker.tls.certFile, 'robot.broker.tls.certFile'),
            key: readSetting(config.broker.tls.keyFile, 'robot.broker.tls.keyFile'),
          },
        }),
        maxPacketBytes: config.broker.maxPacketBytes,
        connectionRate: {
          max: config.broker.connectionsPerAddress,
          windowMs: config.broker.connectionWindowSeconds * 1000,
        },
        persistencePath: paths.broker,
        credentials: registry,
        log: log.child({ module: 'robot-broker' }),
        clock,
        willGraceMs: config.broker.willGraceSeconds * 1000,
      });
  let link: RobotLink | null = deps.link ?? null;
  const getLink = (): RobotLink => {
    if (link) return link;
    const address = broker?.address();
    link = new MqttRobotLink(
      external
        ? {
            url: external.url,
            username: external.username,
            password: external.password,
            clientId: HUB_USERNAME,
            ...(external.caFile && { ca: readSetting(external.caFile, 'robot.externalBroker.caFile') }),
          }
        : {
            // The hub reaches its own broker over loopback, whatever address robots use.
            url: `${address?.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${address?.port}`,
            username: HUB_USERNAME,
            password: registry.hubPassword(),
            clientId: HUB_USERNAME,
            ...(address?.tls &&
              config.broker.tls && {
                ca: readSetting(config.broker.tls.certFile, 'robot.broker.tls.certFile'),
              }),
          },
    );
    return link;
  };
  // The link exists only once the broker listens (its port may be chosen then); these delegate.
  const lazyLink: RobotLink = {
    start: () => getLink().start(),
    stop: async () => link?.stop(),
    isConnected: () => link?.isConnected() ?? false,
    send: (robotId, command) => getLink().send(robotId, command),
    onMessage: (l) => getLink().onMessage(l),
    onInvalid: (l) => getLink().onInvalid(l),
    onConnection: (l) => getLink().onConnection(l),
  };
  const linkLog = log.child({ module: 'robot-link' });
  const fleet = new RobotFleet({
    registry,
    link: lazyLink,
    clock,
    log: log.child({ module: 'robot-fleet' }),
    observe: deps.observeReading,
    lowBatteryPercent: config.lowBatteryPercent,
  });
  const commander = new RobotCommander({
    ledger: new CommandLedger(db),
    link: lazyLink,
    clock,
    log: log.child({ module: 'robot-commands' }),
    record: deps.commit,
    resultTimeoutMs: config.resultTimeoutSeconds * 1000,
  });
  const checks = new SafetyChecks({
    commander,
    fleet,
    alerts: deps.alerts,
    raise: (alert: RaisedAlert) =>
      deps.commit({ ts: clock.now(), sensorId: 'hub', kind: 'alert', value: null, alert }),
    log: log.child({ module: 'safety-checks' }),
    ackTimeoutMs: config.ackTimeoutSeconds * 1000,
  });

  // `hearth robot remove` edits robot.db from another process; the agent notices and hangs up on the robot.
  let cancelWatch: () => void = () => {};
  let brokerError: string | null = null;
  const watchRevocations = () => {
    for (const clientId of broker?.connectedClients() ?? []) {
      if (clientId === HUB_USERNAME || clientId.startsWith(`${HUB_USERNAME}-`)) continue;
      const robotId = robotIdOfClient(clientId);
      if (robotId !== null && registry.has(robotId)) continue;
      broker?.disconnect(clientId);
      log.info({ robotId: clientId }, 'robot credentials revoked: disconnected');
    }
    cancelWatch = clock.setTimeout(watchRevocations, 2000);
  };

  const modules: Module[] = [
    {
      name: 'robot-store',
      start: async () => {},
      stop: async () => {
        db.close();
      },
    },
    ...(broker
      ? [
          {
            name: 'robot-broker',
            start: async () => {
              // A broker that cannot listen (port taken) costs the robot, not the hub: sensors,
              // alerts and the uplink keep running, and status says why the robot is unavailable.
              try {
                await broker.start();
              } catch (error) {
                brokerError = (error as Error).message;
                log.error(
                  { reason: brokerError },
                  'the robot broker cannot start; safety checks by robot are unavailable',
                );
                await broker.stop().catch(() => {});
                return;
              }
              const a = broker.address()!;
              log.info({ host: a.host, port: a.port, tls: a.tls }, 'robot broker listening');
              watchRevocations();
            },
            stop: async () => {
              cancelWatch();
              await broker.stop();
            },
          },
        ]
      : []),
    {
      name: 'robot-link',
      start: async () => {
        lazyLink.onInvalid((topic, reason) =>
          linkLog.warn({ topic: topic.slice(0, 120), reason }, 'robot message refused'),
        );
        lazyLink.onConnection((up) =>
          linkLog.info({ connected: up }, up ? 'robot link connected' : 'robot link lost'),
        );
        if (broker && !broker.address()) return; // nothing to connect to
        await lazyLink.start();
      },
      stop: () => lazyLink.stop(),
    },
    { name: 'robot-fleet', start: () => fleet.start(), stop: () => fleet.stop() },
    { name: 'robot-commands', start: () => commander.start(), stop: () => commander.stop() },
    { name: 'safety-checks', start: () => checks.start(), stop: () => checks.stop() },
  ];

  const requestSafetyCheck = (input: SafetyCheckRequestInput, report: (hop: SafetyCheckHop) => void) =>
    checks.request(input, report);

  /** Each hop goes up the control channel as it happens, so staff see it live. */
  const onSafetyCheckRequested: OnSafetyCheckRequested = (request, report) =>
    // No robot paired at all: staff are told so, not that a robot is offline, and send a person.
    fleet.list().length === 0
      ? answerNoRobot(request, report)
      : requestSafetyCheck(
          { checkId: request.id, room: request.room ?? undefined, requestedBy: 'staff' },
          (hop) => report(reportOf(request.id, hop)),
        );

  const status = (): RobotSection => {
    const address = broker?.address() ?? null;
    const robots = fleet.list();
    const externalAddress = external ? new URL(external.url) : null;
    return {
      state: brokerError
        ? 'broker_failed'
        : robots.length === 0
          ? 'not_paired'
          : fleet.pick()
            ? 'ready'
            : 'unavailable',
      lastError: brokerError,
      broker: externalAddress
        ? {
            host: externalAddress.hostname,
            port: Number(externalAddress.port || (externalAddress.protocol === 'mqtts:' ? 8883 : 1883)),
            tls: externalAddress.protocol === 'mqtts:',
            external: true,
          }
        : address && { ...address, external: false },
      link: { connected: lazyLink.isConnected() },
      robots,
    };
  };

  /** Has a robot say `text` in the home; false when none can (offline, busy or low battery). */
  const speak = (text: string): boolean => {
    const robotId = fleet.pick();
    if (!robotId) {
      log.warn('no robot can say who is watching the video (offline, busy or low battery)');
      return false;
    }
    try {
      commander.issue({
        robotId,
        type: 'speak',
        text,
        requestedBy: { by: 'hub' },
        ackTimeoutMs: config.ackTimeoutSeconds * 1000,
      });
      return true;
    } catch (error) {
      log.error({ err: String(error) }, 'could not ask the robot to speak');
      return false;
    }
  };

  return {
    modules,
    status,
    speak,
    /** Call with every committed entry (last activity, serious alerts). */
    observe: (entry: OutboxEntry) => checks.observe(entry),
    requestSafetyCheck,
    onSafetyCheckRequested,
    registry,
    broker,
    commander,
  };
}
export type Robot = ReturnType<typeof buildRobot>;

function readSetting(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${setting}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

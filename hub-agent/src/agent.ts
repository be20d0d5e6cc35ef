// Over ~300 lines on purpose: this is the one place every piece of the hub is built and wired
// (sensors, outbox, detection, model, uplink, control channel, robot, video, releases); the pieces
// themselves live in their folders, and splitting the wiring would only scatter the start order.
import type { RaisedAlert } from '@hearth/shared';
import type { Logger } from 'pino';
import { AlertLedger } from './alerts/alert-ledger.js';
import { answerNoRobot, type OnSafetyCheckRequested } from './alerts/safety-check.js';
import { hubVersion } from './cli/version.js';
import { type Clock, systemClock } from './clock.js';
import { Collector } from './collect/collector.js';
import type { AgentConfig } from './config/agent-config.js';
import { FileCredentials } from './config/credentials-source.js';
import { dataPaths } from './config/paths.js';
import { ControlServer } from './control/server.js';
import type { AgentStatus } from './control/status.js';
import { projectStatus } from './control/status-projection.js';
import { settingsEpisodeStore } from './detect/episode-store.js';
import { createDetector } from './detect/index.js';
import { ModelKeeper } from './model-wiring.js';
import { buildReleaseUpdater } from './ota/wiring.js';
import { buildRobot, type Robot } from './robot/robot-module.js';
import type { GpioBackend } from './sensors/gpio/backend.js';
import { SensorRegistry } from './sensors/registry.js';
import type { SimulatedHome } from './sensors/simulated-home.js';
import type { SensorSource } from './sensors/source.js';
import { buildSensors } from './sensors/wiring.js';
import type { HubStateStore, PairedDevice } from './store/hub-state.js';
import type { OutboxEntry, OutboxStore } from './store/outbox.js';
import { OutboxQuotaKeeper } from './store/quota.js';
import { openSqliteOutbox } from './store/sqlite-outbox.js';
import { ClockSync, readBootId, systemClockSynced } from './time/clock-sync.js';
import type { CloudLink } from './uplink/cloud-link.js';
import { ControlChannel } from './uplink/control-channel.js';
import { controlHandlers } from './uplink/control-handlers.js';
import { HttpCloudLink } from './uplink/http-cloud-link.js';
import { HubConfigSync } from './uplink/hub-config.js';
import { RememberedRules } from './uplink/remembered-rules.js';
import { RuleSettings } from './uplink/rule-settings.js';
import { Uplink } from './uplink/uplink.js';
import { buildHubVideo } from './video/index.js';

/** A piece of the agent with a lifetime: started in order, stopped in reverse. */
export interface Module {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AgentDeps {
  config: AgentConfig;
  dataDir: string;
  log: Logger;
  clock?: Clock;
  /** How the hub talks to the cloud; HTTP and WebSocket by default. */
  link?: CloudLink;
  /** Overrides the sources chosen from the configuration (tests). */
  sources?: SensorSource[];
  /** GPIO lines; onoff on real hardware by default. */
  gpio?: { backend: GpioBackend; sysfsGpio?: string };
  /** Builds the sources for serial microcontrollers among the paired devices. */
  serialSources?: (devices: PairedDevice[]) => SensorSource[];
  /** Acts on a critical alert once it is committed; by default only logs it. */
  onSeriousAlert?: (alert: RaisedAlert, entry: OutboxEntry) => Promise<void> | void;
  /** Answers a safety check staff asked for; by default says at once that no robot is paired. */
  onSafetyCheckRequested?: OnSafetyCheckRequested;
  /** Has the robot say something in the home (a video session starting); absent without a robot. */
  announce?: (text: string) => void | Promise<void>;
}

/** The running agent, as main.ts and the tests see it. */
export interface Agent {
  readonly store: OutboxStore;
  /** Settings, devices, the alert ledger and the serial notes, in the outbox's database. */
  readonly state: HubStateStore;
  /** The hub's alerts and whether a person has them (a safety check stops once one does). */
  readonly alerts: AlertLedger;
  readonly modules: readonly Module[];
  status(): AgentStatus;
  /** The simulated home, when the agent runs with --simulate. */
  readonly simulatedHome: SimulatedHome | null;
  /** The robot link and safety checks; null when `robot.enabled` is false. */
  readonly robot: Robot | null;
}

/**
 * Builds every piece of the hub agent and wires them; nothing starts until the modules are
 * started. Opening the outbox happens here: without it the agent has no reason to run.
 */
export function buildAgent(deps: AgentDeps): Agent {
  const { config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const paths = dataPaths(deps.dataDir);
  const startedAt = clock.now();
  const bootId = readBootId();
  const store = openSqliteOutbox({
    path: paths.outbox,
    bootId,
    onCorruption: ({ movedTo, reason }) =>
      log.error(
        { movedTo, reason },
        'the outbox database was damaged; it was moved aside and a new one started',
      ),
    onUnreadableNote: (nodeId, reason) =>
      log.warn({ nodeId, reason }, 'the note of recorded serial frames was unreadable; ignored'),
    legacyRobotDb: paths.legacyRobotDb,
    onLegacyImport: (outcome) => {
      if ('error' in outcome)
        log.error(
          { reason: outcome.error },
          'could not import the robots from robot.db; will retry at next start',
        );
      else if (outcome.imported)
        log.info(outcome, 'robots and robot command ledger imported from robot.db into the hub database');
    },
  });
  const { state } = store;
  const link = deps.link ?? new HttpCloudLink();
  const credentials = new FileCredentials({
    path: paths.credentials,
    clock,
    onProblem: (reason) => log.error({ reason }, 'cannot use the hub credentials'),
  });

  const registry = new SensorRegistry();
  const listeners = new Set<(entry: OutboxEntry) => void>();
  const clockSync = new ClockSync({
    clock,
    isSynced: () => systemClockSynced(clock.now()),
    onSynced: (trueTimeOf) => {
      const corrected = store.correctUnsyncedTimestamps(trueTimeOf);
      if (corrected > 0) log.info({ corrected }, 'clock synchronised; corrected timestamps taken before');
    },
  });
  const uplink = new Uplink({
    store,
    settings: state.settings,
    link,
    clock,
    log: log.child({ module: 'uplink' }),
    credentials,
    batchSize: config.uplink.batchSize,
    backoff: { initialMs: config.uplink.backoffInitialMs, maxMs: config.uplink.backoffMaxMs },
    idlePollMs: config.uplink.idlePollMs,
    lingerMs: config.uplink.lingerMs,
    requestTimeoutMs: config.uplink.requestTimeoutMs,
  });
  const paired = credentials.current();
  const models = new ModelKeeper({
    dataDir: deps.dataDir,
    clock,
    log: log.child({ module: 'model' }),
    credentials,
    link,
  });
  const detector = createDetector({
    clock,
    log: log.child({ module: 'detect' }),
    config: paired?.timezone ? { timezone: paired.timezone } : {},
    model: models.slot,
    memory: settingsEpisodeStore(state.settings),
  });
  const rules = new RuleSettings({ detector, remembered: new RememberedRules(state.settings), log });
  rules.restore(paired);
  const homeConfig = new HubConfigSync({
    clock,
    log: log.child({ module: 'home-config' }),
    credentials,
    link,
    apply: (home) => {
      rules.fromConfig(home);
      // The cloud answered with this key: if the hub was just paired, fetch the senior's model too.
      void models.ensure();
    },
  });
  const alerts = new AlertLedger({
    table: state.alertLedger,
    onUnreadable: (reason) => log.error({ reason }, 'the record of acknowledged alerts was lost'),
  });
  const afterCommit = (entries: OutboxEntry[]) => {
    uplink.kick(entries.some((e) => e.alert !== undefined));
    for (const entry of entries) {
      if (!entry.alert) continue;
      try {
        alerts.raised(entry.alert, entry.ts);
      } catch (error) {
        log.error({ err: String(error), alertId: entry.alert.alertId }, 'could not note the alert as open');
      }
    }
    for (const entry of entries) {
      robot?.observe(entry);
      for (const listener of listeners) listener(entry);
    }
  };
  const robot = config.robot.enabled
    ? buildRobot({
        config: config.robot,
        dataDir: deps.dataDir,
        state,
        clock,
        log,
        observeReading: (reading) => collector.record(reading),
        commit: (entry) => afterCommit(store.append([entry])),
        alerts,
      })
    : null;
  const release = buildReleaseUpdater({
    config: config.ota,
    dataDir: deps.dataDir,
    clock,
    log: log.child({ module: 'ota' }),
    identity: () => credentials.current(),
    send: (message) => controlChannel.send(message),
  });
  let heardBefore = false;
  const video = buildHubVideo({
    config: config.video,
    clock,
    log: log.child({ module: 'video' }),
    send: (message) => controlChannel.send(message),
    // The robot says who is watching, where one is paired (a test may listen instead).
    announce: deps.announce ?? (robot ? (text: string) => void robot.speak(text) : undefined),
  });
  const controlChannel = new ControlChannel({
    agentVersion: hubVersion,
    clock,
    log: log.child({ module: 'control-channel' }),
    credentials,
    link,
    handlers: controlHandlers({
      log: log.child({ module: 'control-channel' }),
      ledger: alerts,
      modelAvailable: (notice) => models.notice(notice),
      applyRules: (changed) =>
        rules.fromControl(changed, credentials.current()?.seniorId, homeConfig.current()?.timezone),
      onSafetyCheckRequested: deps.onSafetyCheckRequested ?? robot?.onSafetyCheckRequested ?? answerNoRobot,
      videoSignal: (topic, data) => video.signaling.receive(topic, data),
      releaseOffered: (offer) => release.updater.offer(offer),
      releaseAcknowledged: (id) => release.reports.acknowledged(id),
      // At start the config and the model are fetched anyway; after a reconnection, ask for what was missed.
      catchUp: () => {
        release.reports.connected();
        if (heardBefore) {
          void homeConfig.refresh();
          void models.check();
        }
        heardBefore = true;
      },
    }),
  });
  const collector = new Collector({
    store,
    detector,
    clock,
    log: log.child({ module: 'collect' }),
    stamp: () => clockSync.stamp(),
    tickEveryMs: config.detectTickMs,
    onCommitted: afterCommit,
    onSeriousAlert:
      deps.onSeriousAlert ??
      ((alert) =>
        log.warn({ alertId: alert.alertId, kind: alert.kind }, 'serious alert: no robot is paired to check')),
  });

  const sensors = buildSensors({
    config,
    state,
    clock,
    log,
    registry,
    record: (reading, options) => collector.record(reading, options),
    sources: deps.sources,
    gpio: deps.gpio,
    serialSources: deps.serialSources,
  });
  const { simulatedHome, sourceSet, availability } = sensors;

  const status = () =>
    projectStatus({
      agent: { pid: process.pid, startedAt, dataDir: deps.dataDir, simulate: config.simulate, bootId },
      credentials,
      clockSynced: () => clockSync.isSynced(),
      uplink: () => uplink.status(),
      control: () => controlChannel.status(),
      outbox: () => store.stats(),
      readings: () => collector.stats(),
      registry,
      sources: () => sourceSet.describe(),
      model: () => models.status(),
      release: () => release.status(),
      alerts,
      robot: () => robot?.status() ?? { state: 'disabled' },
    });

  const control = new ControlServer({
    socketPath: paths.socket,
    log: log.child({ module: 'control' }),
    status,
    sensors: sensors.api,
    // `hearth pair` wrote the file: the source tells the uplink, the channel, the config and the model.
    credentialsChanged: () => credentials.reload(),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    press: simulatedHome ? (sensorId) => simulatedHome.press(sensorId) : undefined,
  });

  const quota = new OutboxQuotaKeeper({
    store,
    clock,
    quota: { maxEntries: config.outboxMaxEntries, maxBytes: config.outboxMaxMegabytes * 2 ** 20 },
    onDropped: (dropped) =>
      log.warn({ dropped }, 'outbox full: dropped the oldest routine readings (never alerts)'),
  });

  const modules: Module[] = [
    // Opened while building; listed first so it closes last.
    { name: 'outbox', start: async () => {}, stop: async () => store.close() },
    { name: 'credentials', start: () => credentials.start(), stop: () => credentials.stop() },
    { name: 'clock-sync', start: () => clockSync.start(), stop: () => clockSync.stop() },
    quota,
    { name: 'model', start: () => models.start(), stop: () => models.stop() },
    { name: 'uplink', start: () => uplink.start(), stop: () => uplink.stop() },
    { name: 'home-config', start: () => homeConfig.start(), stop: () => homeConfig.stop() },
    // Before the control channel, so what the installer did is waiting to be reported when it connects.
    { name: 'ota', start: () => release.updater.start(), stop: () => release.updater.stop() },
    { name: 'control-channel', start: () => controlChannel.start(), stop: () => controlChannel.stop() },
    // After the control channel, so it stops first and viewers are told the session ended.
    video.module,
    ...(robot?.modules ?? []),
    { name: 'collector', start: () => collector.start(), stop: () => collector.stop() },
    { name: 'availability', start: () => availability.start(), stop: () => availability.stop() },
    { name: 'sensors', start: () => sourceSet.start(), stop: () => sourceSet.stop() },
    { name: 'control', start: () => control.start(), stop: () => control.stop() },
  ];

  return { store, state, alerts, modules, status, simulatedHome, robot };
}

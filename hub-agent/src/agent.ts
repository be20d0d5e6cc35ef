import type { RaisedAlert, RulesConfigInput } from '@hearth/shared';
import type { Logger } from 'pino';
import { AlertLedger } from './alerts/alert-ledger.js';
import { answerNoRobot, type OnSafetyCheckRequested } from './alerts/safety-check.js';
import { type Clock, systemClock } from './clock.js';
import { Collector } from './collect/collector.js';
import type { AgentConfig } from './config/agent-config.js';
import { CredentialsError, type HubCredentials, readCredentials } from './config/credentials.js';
import { dataPaths } from './config/paths.js';
import { ControlServer } from './control/server.js';
import type { AgentStatus } from './control/status.js';
import { createDetector } from './detect/index.js';
import { ModelKeeper } from './model-wiring.js';
import type { GpioBackend } from './sensors/gpio/backend.js';
import { SensorRegistry } from './sensors/registry.js';
import type { SimulatedHome } from './sensors/simulated-home.js';
import type { SensorSource } from './sensors/source.js';
import { buildSensors } from './sensors/wiring.js';
import type { OutboxEntry, OutboxStore, PairedDevice } from './store/outbox.js';
import { enforceOutboxQuota } from './store/quota.js';
import { openSqliteOutbox } from './store/sqlite-outbox.js';
import { ClockSync, readBootId, systemClockSynced } from './time/clock-sync.js';
import { ControlChannel } from './uplink/control-channel.js';
import { controlHandlers } from './uplink/control-handlers.js';
import { HubConfigSync } from './uplink/hub-config.js';
import { RememberedRules } from './uplink/remembered-rules.js';
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
  /** The hub's alerts and whether a person has them (a safety check stops once one does). */
  readonly alerts: AlertLedger;
  readonly modules: readonly Module[];
  status(): AgentStatus;
  /** The simulated home, when the agent runs with --simulate. */
  readonly simulatedHome: SimulatedHome | null;
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
  });

  let credentialsProblem: string | null = null;
  const credentials = (): HubCredentials | null => {
    try {
      const found = readCredentials(paths.credentials);
      credentialsProblem = null;
      return found;
    } catch (error) {
      if (error instanceof CredentialsError && credentialsProblem !== error.message) {
        credentialsProblem = error.message;
        log.error({ reason: error.message }, 'cannot use the hub credentials');
      }
      return null;
    }
  };

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
    clock,
    log: log.child({ module: 'uplink' }),
    credentials,
    batchSize: config.uplink.batchSize,
    backoff: { initialMs: config.uplink.backoffInitialMs, maxMs: config.uplink.backoffMaxMs },
    idlePollMs: config.uplink.idlePollMs,
    lingerMs: config.uplink.lingerMs,
    requestTimeoutMs: config.uplink.requestTimeoutMs,
  });
  const paired = credentials();
  const models = new ModelKeeper({
    dataDir: deps.dataDir,
    clock,
    log: log.child({ module: 'model' }),
    credentials,
  });
  const detector = createDetector({
    clock,
    log: log.child({ module: 'detect' }),
    config: paired?.timezone ? { timezone: paired.timezone } : {},
    model: models.slot,
  });
  // Rule settings arrive at once over the control channel and on a schedule from /hub/config; both
  // apply here. The last ones heard stay (on disk too) when a config without rules comes back.
  const rememberedRules = new RememberedRules(store);
  let latestRules: { seniorId: string; rules: RulesConfigInput } | undefined;
  const applyRules = (
    seniorId: string | undefined,
    rules: RulesConfigInput | undefined,
    timezone: string | undefined,
  ) => {
    detector.setConfig({ ...rules, ...(timezone && { timezone }) });
    if (!seniorId || !rules || JSON.stringify(latestRules) === JSON.stringify({ seniorId, rules })) return;
    latestRules = { seniorId, rules };
    try {
      rememberedRules.remember(seniorId, rules);
    } catch (error) {
      log.error(
        { err: String(error) },
        'could not keep the rule settings on disk; they apply until a restart',
      );
    }
  };
  if (paired?.seniorId) {
    try {
      const stored = rememberedRules.load(paired.seniorId);
      if (stored) {
        latestRules = { seniorId: paired.seniorId, rules: stored };
        applyRules(
          paired.seniorId,
          stored,
          typeof stored.timezone === 'string' ? undefined : paired.timezone,
        );
        log.info({}, 'rule settings from the cloud restored from disk');
      }
    } catch (error) {
      log.warn(
        { reason: (error as Error).message },
        'the stored rule settings were not used; the defaults run until the cloud sends them',
      );
    }
  }
  const homeConfig = new HubConfigSync({
    clock,
    log: log.child({ module: 'home-config' }),
    credentials,
    apply: (home) => {
      const kept = latestRules?.seniorId === home.seniorId ? latestRules.rules : undefined;
      applyRules(home.seniorId, home.rules ?? kept, home.timezone);
      // The cloud answered with this key: if the hub was just paired, fetch the senior's model too.
      void models.ensure();
    },
  });
  const alerts = new AlertLedger({
    settings: store,
    onUnreadable: (reason) => log.error({ reason }, 'the record of acknowledged alerts was lost'),
  });
  let heardBefore = false;
  const video = buildHubVideo({
    config: config.video,
    clock,
    log: log.child({ module: 'video' }),
    send: (message) => controlChannel.send(message),
    announce: deps.announce,
  });
  const controlChannel = new ControlChannel({
    clock,
    log: log.child({ module: 'control-channel' }),
    credentials,
    handlers: controlHandlers({
      log: log.child({ module: 'control-channel' }),
      ledger: alerts,
      modelAvailable: (notice) => models.notice(notice),
      applyRules: (rules) =>
        applyRules(
          credentials()?.seniorId,
          rules as RulesConfigInput,
          typeof rules.timezone === 'string' ? undefined : homeConfig.current()?.timezone,
        ),
      onSafetyCheckRequested: deps.onSafetyCheckRequested ?? answerNoRobot,
      videoSignal: (topic, data) => video.signaling.receive(topic, data),
      // At start the config and the model are fetched anyway; after a reconnection, ask for what was missed.
      catchUp: () => {
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
    onCommitted: (entries) => {
      uplink.kick(entries.some((e) => e.alert !== undefined));
      for (const entry of entries) {
        if (!entry.alert) continue;
        try {
          alerts.raised(entry.alert, entry.ts);
        } catch (error) {
          log.error({ err: String(error), alertId: entry.alert.alertId }, 'could not note the alert as open');
        }
      }
      for (const entry of entries) for (const listener of listeners) listener(entry);
    },
    onSeriousAlert:
      deps.onSeriousAlert ??
      ((alert) =>
        log.warn({ alertId: alert.alertId, kind: alert.kind }, 'serious alert: no robot is paired to check')),
  });

  const sensors = buildSensors({
    config,
    store,
    clock,
    log,
    registry,
    record: (reading) => collector.record(reading),
    sources: deps.sources,
    gpio: deps.gpio,
    serialSources: deps.serialSources,
  });
  const { simulatedHome, sourceSet, availability } = sensors;

  const status = (): AgentStatus => {
    const creds = credentials();
    const up = uplink.status();
    const control = controlChannel.status();
    const outbox = store.stats();
    const counts = collector.stats();
    const lastUploadAt = up.lastUploadAt ?? outbox.lastUploadAt;
    return {
      hubId: creds?.hubId ?? null,
      seniorId: creds?.seniorId ?? null,
      seniorName: creds?.seniorName ?? null,
      agent: {
        pid: process.pid,
        startedAt: new Date(startedAt).toISOString(),
        dataDir: deps.dataDir,
        simulate: config.simulate,
        bootId,
      },
      clock: { synced: clockSync.isSynced() },
      cloud: {
        url: creds?.cloudUrl ?? null,
        state: up.state,
        connected: up.connected,
        lastUploadAt: lastUploadAt === null ? null : new Date(lastUploadAt).toISOString(),
        lastError: credentialsProblem ?? up.lastError,
        control: {
          state: control.state,
          connected: control.connected,
          lastMessageAt:
            control.lastMessageAt === null ? null : new Date(control.lastMessageAt).toISOString(),
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
      sensors: registry.list(),
      sources: sourceSet.describe(),
      robot: { state: 'not_paired' },
      model: models.status(),
      alerts: alerts.summary(),
    };
  };

  const control = new ControlServer({
    socketPath: paths.socket,
    log: log.child({ module: 'control' }),
    status,
    sensors: sensors.api,
    credentialsChanged: () => {
      uplink.kick();
      controlChannel.credentialsChanged();
      void homeConfig.refresh();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    press: simulatedHome
      ? (sensorId) => {
          // press() emits through the source's callback, which commits; find what it committed.
          let committed: OutboxEntry | null = null;
          const catchIt = (entry: OutboxEntry) => {
            if (entry.sensorId === sensorId && committed === null) committed = entry;
          };
          listeners.add(catchIt);
          try {
            simulatedHome.press(sensorId);
          } finally {
            listeners.delete(catchIt);
          }
          return committed;
        }
      : undefined,
  });

  const quotaEvery = 60_000;
  let cancelQuota: () => void = () => {};
  const quota: Module = {
    name: 'outbox-quota',
    async start() {
      const run = () => {
        const dropped = enforceOutboxQuota(store, {
          maxEntries: config.outboxMaxEntries,
          maxBytes: config.outboxMaxMegabytes * 2 ** 20,
        });
        if (dropped > 0)
          log.warn({ dropped }, 'outbox full: dropped the oldest routine readings (never alerts)');
        cancelQuota = clock.setTimeout(run, quotaEvery);
      };
      run();
    },
    async stop() {
      cancelQuota();
    },
  };

  const modules: Module[] = [
    // Opened while building; listed first so it closes last.
    { name: 'outbox', start: async () => {}, stop: async () => store.close() },
    { name: 'clock-sync', start: () => clockSync.start(), stop: () => clockSync.stop() },
    quota,
    { name: 'model', start: () => models.start(), stop: () => models.stop() },
    { name: 'uplink', start: () => uplink.start(), stop: () => uplink.stop() },
    { name: 'home-config', start: () => homeConfig.start(), stop: () => homeConfig.stop() },
    { name: 'control-channel', start: () => controlChannel.start(), stop: () => controlChannel.stop() },
    // After the control channel, so it stops first and viewers are told the session ended.
    video.module,
    { name: 'collector', start: () => collector.start(), stop: () => collector.stop() },
    { name: 'availability', start: () => availability.start(), stop: () => availability.stop() },
    { name: 'sensors', start: () => sourceSet.start(), stop: () => sourceSet.stop() },
    { name: 'control', start: () => control.start(), stop: () => control.stop() },
  ];

  return { store, alerts, modules, status, simulatedHome };
}

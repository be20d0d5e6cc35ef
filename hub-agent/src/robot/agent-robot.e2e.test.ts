import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { TestCloud } from '../../test/support/test-cloud.js';
import { type Agent, buildAgent } from '../agent.js';
import { loadAgentConfig } from '../config/agent-config.js';
import { writeCredentials } from '../config/credentials.js';
import { AgentClient } from '../control/client.js';
import { FakeGpioBackend } from '../sensors/gpio/backend.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { type RobotSimOptions, RobotSimulator } from './sim/robot-sim.js';
import { RobotRegistry } from './store/credentials.js';

// The assembled agent with its real broker and a simulated robot over MQTT: no cloud involved
// in the check, the cloud reached only later for the upload.
const sysfsPi5 = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/sysfs-pi5-kernel6.6/class/gpio',
);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function home(robot: Partial<RobotSimOptions> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-robot-'));
  const cloud = new TestCloud();
  const cloudPort = await freePort(); // nothing listens there yet: the cloud is unreachable
  writeCredentials(join(dataDir, 'credentials.json'), {
    cloudUrl: `http://127.0.0.1:${cloudPort}`,
    hubId: cloud.hubId,
    apiKey: cloud.apiKey,
    seniorId: cloud.seniorId,
    deviceId: 'pi-test',
    pairedAt: new Date().toISOString(),
  });
  const db = openSqliteOutbox({ path: join(dataDir, 'outbox.db'), bootId: 'test' });
  const { password } = new RobotRegistry(db.state).add('r1');
  db.close();
  const gpio = new FakeGpioBackend();
  const agent = buildAgent({
    config: loadAgentConfig(undefined, {
      logLevel: 'fatal',
      uplink: { backoffInitialMs: 20, backoffMaxMs: 100, idlePollMs: 100, lingerMs: 0 },
      robot: { broker: { port: 0, host: '127.0.0.1' }, ackTimeoutSeconds: 2 },
    }),
    dataDir,
    log: pino({ level: 'silent' }),
    gpio: { backend: gpio, sysfsGpio: sysfsPi5 },
  });
  const started: Agent['modules'][number][] = [];
  for (const m of agent.modules) {
    await m.start();
    started.push(m);
  }
  const port = agent.robot!.broker!.address()!.port;
  const sim = new RobotSimulator({
    url: `mqtt://127.0.0.1:${port}`,
    robotId: 'r1',
    password,
    defaultTravelMs: 30,
    checkMs: 20,
    ackDelayMs: 0,
    ...robot,
  });
  cleanups.push(async () => {
    await sim.stop();
    for (const m of started.reverse()) await m.stop();
    await cloud.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });
  const pendant = async () => {
    const client = new AgentClient(join(dataDir, 'agent.sock'));
    gpio.setLevel(575, 1);
    await client.call('POST', '/sensors', {
      id: 'pendant',
      type: 'gpio',
      room: 'bedroom',
      settings: { pin: 4, kind: 'button', activeLow: true, debounceMs: 0 },
    });
    return () => gpio.setLevel(575, 0);
  };
  return { agent, sim, cloud, cloudPort, pendant };
}

/** The command hops (status readings are robot entries too, without a hop). */
const robotValues = (agent: Agent) =>
  agent.store
    .pending(1000)
    .filter((e) => e.robot !== undefined)
    .map((e) => e.value);

describe('hub-initiated safety checks with the real broker and a simulated robot', () => {
  it('checks within 200 ms of the alert, offline from the cloud; the result is uploaded later exactly once', async () => {
    const { agent, sim, cloud, cloudPort, pendant } = await home({ outcome: 'needs_help' });
    await sim.start();
    await eventually(() => agent.status().robot.state === 'ready', { what: 'the robot to be ready' });
    const press = await pendant();
    press();
    await eventually(() => sim.received.length === 1, { what: 'the robot to receive the check' });
    const alert = agent.store.pending(1000).find((e) => e.alert?.kind === 'pendant_pressed')!;
    expect(sim.received[0]!.at - alert.ts).toBeLessThan(200);
    await eventually(() => robotValues(agent).includes('needs_help'), { what: 'the result' });
    await eventually(() => agent.store.pending(1000).some((e) => e.alert?.source === 'robot'), {
      what: 'the raise',
    });
    const raised = agent.store.pending(1000).find((e) => e.alert?.source === 'robot')!.alert!;
    expect(raised).toMatchObject({ kind: 'pendant_pressed', severity: 'critical' });
    expect(raised.evidence[0]).toMatchObject({
      hubAlertId: alert.alert!.alertId,
      outcome: 'needs_help',
      room: 'bedroom',
    });
    expect(robotValues(agent)).toEqual(['sent', 'acked', 'moving', 'arrived', 'checking', 'needs_help']);
    expect(agent.store.ackedThroughSeq()).toBe(0);

    await cloud.start(cloudPort);
    await eventually(() => cloud.ackedThroughSeq() >= agent.store.lastSeq(), {
      what: 'the upload',
      rounds: 2000,
    });
    const results = [...cloud.events.values()].filter(
      (e) => e.kind === 'robot' && e.robot?.type === 'result',
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.robot).toMatchObject({ robotId: 'r1', result: { outcome: 'needs_help' } });
    const uploads = cloud.batches.flat().filter((seq) => seq === results[0]!.seq);
    expect(uploads).toHaveLength(1);
  });

  it('a robot that never answers: the check expires and the alert is raised', async () => {
    const { agent, sim, pendant } = await home({ misbehave: 'never_answers' });
    await sim.start();
    await eventually(() => agent.status().robot.state === 'ready', { what: 'the robot to be ready' });
    (await pendant())();
    await eventually(() => robotValues(agent).includes('expired'), { what: 'the expiry', rounds: 1000 });
    expect(robotValues(agent)).toEqual(['sent', 'expired']);
    const raised = agent.store.pending(1000).find((e) => e.alert?.source === 'robot')?.alert;
    expect(raised?.message).toMatch(/did not answer/);
  });

  it('a robot going offline is a device alert; a command that expired meanwhile is not executed when it returns', async () => {
    const { agent, sim } = await home();
    await sim.start();
    await sim.stop(); // away, its session and subscription kept by the broker
    // Its status says offline: a device alert, not something about the senior.
    await eventually(() => agent.store.pending(1000).some((e) => e.alert?.kind === 'robot_unavailable'), {
      what: 'the device alert',
    });
    const alerts = agent.store.pending(1000).flatMap((e) => (e.alert ? [e.alert] : []));
    expect(alerts.map((a) => [a.kind, a.source])).toEqual([['robot_unavailable', 'device']]);
    const command = agent.robot!.commander.issue({
      robotId: 'r1',
      type: 'go_to',
      room: 'kitchen',
      requestedBy: { by: 'hub' },
      ackTimeoutMs: 300,
    });
    await eventually(() => robotValues(agent).includes('expired'), { what: 'the expiry' });
    await sim.start();
    await eventually(() => sim.received.some((r) => r.id === command.id), {
      what: 'the queued command to arrive',
    });
    expect(sim.executed).toEqual([]);
    expect(robotValues(agent)).toEqual(['sent', 'expired']);
  });
  it('says who is looking in through the video camera, when a robot can', async () => {
    const { agent, sim } = await home();
    // No robot has reported yet: nothing is said, and the caller hears so.
    expect(agent.robot!.speak('Ana is looking in through the camera now.')).toBe(false);
    await sim.start();
    await eventually(() => agent.status().robot.state === 'ready', { what: 'the robot to be ready' });
    expect(agent.robot!.speak('Ana is looking in through the camera now.')).toBe(true);
    await eventually(() => robotValues(agent).includes('ok'), { what: 'the robot to have spoken' });
    expect(sim.received).toHaveLength(1);
  });
});

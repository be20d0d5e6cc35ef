import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { systemClock } from '../clock.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { type CommandHop, RobotCommander } from './commander.js';
import { MqttRobotLink } from './link/mqtt-link.js';
import { RobotSimulator } from './sim/robot-sim.js';
import { HUB_USERNAME, RobotRegistry } from './store/credentials.js';
import { startChildBroker } from './testing/child-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-restart-delivery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a command across a broker killed with SIGKILL', () => {
  it('is delivered after the restart when the robot reconnects, and executed once', async () => {
    const db = openSqliteOutbox({ path: join(dir, 'outbox.db'), bootId: 'test' });
    const registry = new RobotRegistry(db.state);
    const { password } = registry.add('r1');
    const first = await startChildBroker(dir);
    const url = `mqtt://127.0.0.1:${first.port}`;
    const robot = new RobotSimulator({ url, robotId: 'r1', password, defaultTravelMs: 20, checkMs: 20 });
    await robot.start();
    await robot.stop(); // away, with its session (and subscription) kept by the broker

    const link = new MqttRobotLink({
      url,
      username: HUB_USERNAME,
      password: registry.hubPassword(),
      clientId: HUB_USERNAME,
      reconnectPeriodMs: 100,
    });
    const hops: CommandHop[] = [];
    const commander = new RobotCommander({
      ledger: db.state.robotCommands,
      link,
      clock: systemClock,
      log: pino({ level: 'silent' }),
      record: (entry) => new MemoryOutboxStore().append([entry]),
      resultTimeoutMs: 60_000,
    });
    commander.onHop((h) => hops.push(h));
    await commander.start();
    await link.start();
    await eventually(() => link.isConnected(), { what: 'the link to connect' });
    const command = commander.issue({
      robotId: 'r1',
      type: 'safety_check',
      room: 'bathroom',
      requestedBy: { by: 'hub' },
      ackTimeoutMs: 20_000,
    });
    await eventually(() => hops.some((h) => h.type === 'sent'), { what: 'the broker to take the command' });

    await first.killHard();
    const second = await startChildBroker(dir, { port: first.port });
    await eventually(() => link.isConnected(), { what: 'the link to reconnect', rounds: 6000 });
    await robot.start();
    await eventually(() => hops.some((h) => h.type === 'result'), { what: 'the result', rounds: 6000 });

    expect(robot.executed).toEqual([command.id]);
    expect(robot.received.length).toBeGreaterThanOrEqual(1);
    expect(hops.filter((h) => h.type === 'result')).toHaveLength(1);
    expect(db.state.robotCommands.get(command.id)?.state).toBe('done');

    await robot.stop();
    await commander.stop();
    await link.stop();
    await second.killHard();
    db.close();
  }, 90_000);
});

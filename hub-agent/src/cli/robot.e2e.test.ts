import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentProcess, hearth, startAgent } from '../../test/support/programs.js';
import { RobotSimulator } from '../robot/sim/robot-sim.js';

let agent: AgentProcess | null = null;
let sim: RobotSimulator | null = null;
afterEach(async () => {
  await sim?.stop().catch(() => {});
  sim = null;
  await agent?.kill();
  agent = null;
});

describe('hearth robot and hearth status with the agent running', () => {
  it('pairs a robot, shows where the broker listens and the robot state, and revokes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-cli-robot-'));
    const config = join(dataDir, 'agent.json');
    writeFileSync(config, JSON.stringify({ robot: { broker: { host: '127.0.0.1', port: 1 } } }));
    const env = { HEARTH_DATA_DIR: dataDir };
    // --mqtt-port wins over the file's port and keeps the file's host.
    agent = startAgent(['--data-dir', dataDir, '--config', config, '--mqtt-port', '0']);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');

    const status = await hearth(['status', '--json'], env);
    expect(status.code).toBe(0);
    const broker = JSON.parse(status.stdout).robot.broker;
    expect(broker).toMatchObject({ host: '127.0.0.1', tls: false });
    expect(broker.port).toBeGreaterThan(1);

    const added = await hearth(['robot', 'add', 'r1', '--json'], env);
    expect(added.code).toBe(0);
    const credentials = JSON.parse(added.stdout);
    expect(credentials).toEqual({ robotId: 'r1', username: 'r1', password: expect.any(String) });
    expect((await hearth(['robot', 'add', 'r1', '--json'], env)).code).toBe(1);
    expect(JSON.parse((await hearth(['robot', 'add', '__proto__/x', '--json'], env)).stdout).error.code).toBe(
      'INVALID_ROBOT_ID',
    );

    sim = new RobotSimulator({
      url: `mqtt://127.0.0.1:${broker.port}`,
      robotId: 'r1',
      password: credentials.password,
      battery: 100,
      dock: 'hall',
    });
    await sim.start();
    let listed: {
      robots: { robotId: string; state: string; battery: number; room: string; lastSeenAt: string }[];
    } = {
      robots: [],
    };
    for (let i = 0; i < 100 && listed.robots[0]?.state !== 'docked'; i++) {
      listed = JSON.parse((await hearth(['robot', 'list', '--json'], env)).stdout);
    }
    expect(listed.robots).toEqual([
      expect.objectContaining({
        robotId: 'r1',
        state: 'docked',
        battery: 100,
        room: 'hall',
        lastSeenAt: expect.any(String),
      }),
    ]);
    expect(JSON.parse((await hearth(['status', '--json'], env)).stdout).robot.state).toBe('ready');

    const removed = await hearth(['robot', 'remove', 'r1', '--json'], env);
    expect(JSON.parse(removed.stdout)).toEqual({ robotId: 'r1', removed: true });
    await agent.waitFor((e) => e.msg === 'robot credentials revoked: disconnected' && e.robotId === 'r1');
    await expect(
      mqtt.connectAsync({
        host: '127.0.0.1',
        port: broker.port,
        clientId: 'r1',
        username: 'r1',
        password: credentials.password,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    expect((await hearth(['robot', 'remove', 'r1'], env)).code).toBe(1);
  }, 60_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hearth } from '../../test/support/programs.js';
import { type BrokerTarget, mosquittoAvailable, mosquittoTarget } from '../robot/testing/broker-targets.js';

const run = mosquittoAvailable() || process.env.CI === 'true';

describe.runIf(run)('hearth robot add / remove with the robots on an external Mosquitto', () => {
  let target: BrokerTarget;
  let dataDir: string;
  let config: string;
  beforeAll(async () => {
    target = await mosquittoTarget([]);
    dataDir = mkdtempSync(join(tmpdir(), 'hearth-cli-mosquitto-'));
    config = join(dataDir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        robot: {
          externalBroker: { url: target.url, ...target.hub, dynamicSecurity: target.admin },
        },
      }),
    );
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('creates the login on the broker; removal disconnects the robot at once and it is refused after', async () => {
    const cli = (...args: string[]) => hearth([...args, '--json', '--data-dir', dataDir, '--config', config]);
    const added = await cli('robot', 'add', 'r7');
    expect(added.code).toBe(0);
    const { username, password } = JSON.parse(added.stdout) as { username: string; password: string };
    const options = {
      host: '127.0.0.1',
      port: target.port,
      clientId: 'r7',
      username,
      password,
      protocolVersion: 4 as const,
      reconnectPeriod: 0,
    };
    const robot = await mqtt.connectAsync(options);
    // The ACL the broker now applies to r7: its own status goes out.
    await robot.publishAsync('hearth/robot/r7/status', '{}', { qos: 1 });
    const closed = new Promise<void>((resolve) => robot.once('close', () => resolve()));

    const removed = await cli('robot', 'remove', 'r7');
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ robotId: 'r7', removed: true });
    await closed;
    await expect(mqtt.connectAsync(options)).rejects.toThrow(/Not authorized|Bad username or password/i);
    const listed = JSON.parse((await cli('robot', 'list')).stdout) as { robots: unknown[] };
    expect(listed.robots).toEqual([]);
  });

  it('pairs nothing when the broker cannot be reached, and says so', async () => {
    const unreachable = join(dataDir, 'unreachable.json');
    writeFileSync(
      unreachable,
      JSON.stringify({
        robot: {
          externalBroker: {
            url: 'mqtt://127.0.0.1:1',
            ...target.hub,
            dynamicSecurity: target.admin,
          },
        },
      }),
    );
    const added = await hearth([
      'robot',
      'add',
      'r8',
      '--json',
      '--data-dir',
      dataDir,
      '--config',
      unreachable,
    ]);
    expect(added.code).toBe(1);
    expect(JSON.parse(added.stdout).error.code).toBe('BROKER_UNREACHABLE');
    const listed = await hearth(['robot', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(listed.stdout).robots).toEqual([]);
  });
});

if (!run)
  describe('hearth robot with an external Mosquitto', () => {
    it.skip('SKIPPED: mosquitto, mosquitto_ctrl or its dynamic-security plugin is not installed; CI runs it', () => {});
  });

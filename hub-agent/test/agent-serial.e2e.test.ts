import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildNodeSimulator,
  hostToolAvailable,
  NodeSimulator,
  SocatPtyPair,
} from '@hearth/firmware-bridge/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';
import { TestCloud } from './support/test-cloud.js';

const missing = ['socat', 'cc'].filter((tool) => !hostToolAvailable(tool));
if (missing.length > 0) {
  const reason = `${missing.join(' and ')} not installed (apt-get install socat gcc)`;
  if (process.env.CI === 'true')
    throw new Error(`the agent serial test cannot run: ${reason}; CI=true requires it`);
  console.warn(`\n*** SKIPPING the agent serial test: ${reason} ***\n`);
}

let agent: AgentProcess | null = null;
let cloud: TestCloud | null = null;
let pair: SocatPtyPair | null = null;
let sim: NodeSimulator | null = null;
afterAll(async () => {
  await sim?.stop();
  await agent?.kill();
  await pair?.stop();
  await cloud?.stop();
});

describe.skipIf(missing.length > 0)('a serial sensor node added by the technician', () => {
  it('is read by the running agent, its readings uploaded with the room, and confirmed by hearth sensors test', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-agent-serial-'));
    pair = new SocatPtyPair(dir);
    await pair.start();
    sim = new NodeSimulator({
      executable: buildNodeSimulator(dir),
      port: pair.nodePath,
      nodeId: 'sim-node',
      bootId: 1,
      readingMs: 100,
      eventMs: 300,
      heartbeatMs: 300,
      resendMs: 100,
    });
    sim.start();
    cloud = await new TestCloud().start();
    const dataDir = join(dir, 'hub');
    expect(
      (await hearth(['pair', '--cloud', cloud.url, '--code', 'ABCD-1234', '--data-dir', dataDir])).code,
    ).toBe(0);
    agent = startAgent(['--data-dir', dataDir]);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');

    const added = await hearth([
      'sensors',
      'add',
      'sim-node',
      '--type',
      'serial',
      '--path',
      pair.hubPath,
      '--room',
      'kitchen',
      '--data-dir',
      dataDir,
    ]);
    expect(added.code).toBe(0);
    const tested = await hearth([
      'sensors',
      'test',
      'sim-node/temp',
      '--timeout',
      '15',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout).reading).toMatchObject({
      sensorId: 'sim-node/temp',
      kind: 'temperature',
      room: 'kitchen',
    });

    const deadline = Date.now() + 10_000;
    const temperature = () =>
      [...cloud!.events.values()].find((e) => e.sensorId === 'sim-node/temp' && e.kind === 'temperature');
    while (Date.now() < deadline && !temperature()) await new Promise((r) => setTimeout(r, 50));
    expect(temperature()).toMatchObject({ room: 'kitchen', hubId: cloud.hubId });
    const status = JSON.parse((await hearth(['status', '--json', '--data-dir', dataDir])).stdout);
    expect(status.sources.running).toContain(`serial:${pair.hubPath}`);
    expect(status.sensors.find((s: { id: string }) => s.id === 'sim-node/temp')).toMatchObject({
      available: true,
    });
  });
});

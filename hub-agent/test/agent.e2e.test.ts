import { chownSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';
import { TestCloud } from './support/test-cloud.js';

let cloud: TestCloud | null = null;
let agent: AgentProcess | null = null;
afterEach(async () => {
  await agent?.kill();
  agent = null;
  await cloud?.stop();
  cloud = null;
});

describe('hearth-agent with the technician CLI', () => {
  it('pairs, runs the simulated home, and delivers a pendant press to the cloud as an alert', async () => {
    cloud = await new TestCloud().start();
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));

    const paired = await hearth([
      'pair',
      '--cloud',
      cloud.url,
      '--code',
      'ABCD-1234',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(paired.code).toBe(0);
    expect(JSON.parse(paired.stdout)).toMatchObject({
      paired: true,
      hubId: cloud.hubId,
      seniorName: 'Ada Lovelace',
    });
    expect(paired.stdout).not.toContain(cloud.apiKey);
    expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);

    agent = startAgent(['--data-dir', dataDir, '--simulate', '--sim-speed', '1'], {
      HEARTH_DATA_DIR: '/nonexistent/ignored-because-of-the-flag',
    });
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    expect(statSync(join(dataDir, 'agent.sock')).mode & 0o777).toBe(0o660);

    const pressed = await hearth(['simulate', 'press', 'pendant', '--json'], { HEARTH_DATA_DIR: dataDir });
    expect(pressed.code).toBe(0);
    const { seq } = JSON.parse(pressed.stdout) as { seq: number };

    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && ![...cloud.events.values()].some((e) => e.kind === 'alert')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const alert = [...cloud.events.values()].find((e) => e.kind === 'alert');
    expect(alert).toMatchObject({
      sensorId: 'hub',
      value: null,
      alert: { kind: 'pendant_pressed', severity: 'critical' },
    });
    expect(alert!.seq).toBeGreaterThan(seq);
    expect(cloud.events.get(seq)).toMatchObject({ sensorId: 'pendant', kind: 'button', value: true });

    const status = await hearth(['status', '--json', '--data-dir', dataDir]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed).toMatchObject({
      hubId: cloud.hubId,
      cloud: { connected: true },
      agent: { simulate: true },
    });
    expect(parsed.outbox.lastSeq).toBeGreaterThanOrEqual(alert!.seq);
    expect(parsed.sensors.map((s: { id: string }) => s.id)).toContain('pendant');

    const human = await hearth(['status', '--data-dir', dataDir]);
    expect(human.stdout).toMatch(/Cloud\s+http:\/\/127\.0\.0\.1:\d+\s+connected/);

    expect(await agent.stop()).toBe(0);
    expect(agent.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);

    // Stopped, the agent's outbox and identity can still be read, and the exit code says it is not running.
    const offline = await hearth(['status', '--data-dir', dataDir]);
    expect(offline.code).toBe(3);
    expect(offline.stdout).toContain(`Hub        ${cloud.hubId}`);
    expect(offline.stdout).toMatch(/Outbox\s+seq \d+, cloud has through \d+/);
  });

  it('starts uploading as soon as the technician pairs a hub that was already running', async () => {
    cloud = await new TestCloud().start();
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));
    agent = startAgent(['--data-dir', dataDir, '--simulate']);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir]);
    const before = JSON.parse((await hearth(['status', '--json', '--data-dir', dataDir])).stdout);
    expect(before).toMatchObject({ hubId: null, cloud: { state: 'unpaired' } });
    expect(before.outbox.backlog).toBeGreaterThanOrEqual(2);

    const paired = await hearth(['pair', '--cloud', cloud.url, '--code', 'ABCD-1234', '--data-dir', dataDir]);
    expect(paired.stdout).toMatch(/hearth-agent is using them now/);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && ![...cloud.events.values()].some((e) => e.kind === 'alert')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The press made before pairing reaches the cloud without waiting for a poll or a restart.
    expect([...cloud.events.values()].some((e) => e.alert?.kind === 'pendant_pressed')).toBe(true);
  });

  it('leaves credentials written with sudo readable by the agent user only', async () => {
    cloud = await new TestCloud().start();
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));
    // As root, play `sudo hearth pair` on a data directory owned by the agent's user.
    const root = process.getuid?.() === 0;
    if (root) chownSync(dataDir, 4242, 4242);
    const owner = root ? 4242 : process.getuid!();
    expect(
      (await hearth(['pair', '--cloud', cloud.url, '--code', 'ABCD-1234', '--data-dir', dataDir])).code,
    ).toBe(0);
    const file = statSync(join(dataDir, 'credentials.json'));
    expect([file.uid, file.mode & 0o777]).toEqual([owner, 0o600]);
  });

  it('tells the technician what is wrong, with an exit code a script can check', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));
    const notRunning = await hearth(['status', '--data-dir', dataDir]);
    expect(notRunning.code).toBe(3);
    expect(notRunning.stderr).toMatch(/hearth-agent is not running/);
    expect(notRunning.stdout).toMatch(/Hub\s+not paired/);

    const badUrl = await hearth(['pair', '--cloud', 'ftp://x', '--code', 'ABCD-1234', '--data-dir', dataDir]);
    expect(badUrl.code).toBe(2);

    cloud = await new TestCloud().start();
    const badCode = await hearth([
      'pair',
      '--cloud',
      cloud.url,
      '--code',
      'WRONG-CODE',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(badCode.code).toBe(5);
    expect(JSON.parse(badCode.stdout).error.message).toMatch(/pairing code unknown/);

    const unreachable = await hearth([
      'pair',
      '--cloud',
      'http://127.0.0.1:9',
      '--code',
      'ABCD-1234',
      '--data-dir',
      dataDir,
    ]);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/cannot reach the cloud/);

    agent = startAgent(['--data-dir', dataDir]);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    const noSim = await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir]);
    expect(noSim.code).toBe(1);
    expect(noSim.stderr).toMatch(/--simulate/);
    const unknown = await hearth(['frobnicate', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
  });

  it('moves a corrupt outbox aside at start and keeps working, continuing seqs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));
    agent = startAgent(['--data-dir', dataDir, '--simulate']);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir]);
    const before = JSON.parse((await hearth(['status', '--json', '--data-dir', dataDir])).stdout).outbox
      .lastSeq;
    expect(await agent.stop()).toBe(0);

    writeFileSync(join(dataDir, 'outbox.db'), Buffer.alloc(8192, 0x5a));
    agent = startAgent(['--data-dir', dataDir, '--simulate']);
    const moved = await agent.waitFor((e) => typeof e.movedTo === 'string');
    expect(moved.msg).toMatch(/moved aside/);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    expect(readdirSync(dataDir).some((f) => f.startsWith('outbox.db.corrupt-'))).toBe(true);
    const pressed = JSON.parse(
      (await hearth(['simulate', 'press', 'pendant', '--json', '--data-dir', dataDir])).stdout,
    );
    expect(pressed.seq).toBeGreaterThan(before);
  });

  it('refuses a bad command line at start, naming the option (exit 64, as the README says)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));
    agent = startAgent(['--data-dir', dataDir, '--sim-speed', 'fast']);
    expect(await agent.exited).toBe(64);
    expect(agent.lines.join('\n')).toMatch(/--sim-speed must be a positive number, got 'fast'/);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';

let agent: AgentProcess | null = null;
afterEach(async () => {
  await agent?.kill();
  agent = null;
});

const tempDataDir = () => mkdtempSync(join(tmpdir(), 'hearth-cli-'));

describe('hearth sensors and diagnose', () => {
  it('adds, lists and removes sensors while the agent runs, reporting a GPIO sensor it cannot read', async () => {
    const dataDir = tempDataDir();
    agent = startAgent(['--data-dir', dataDir]);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');

    const added = await hearth(
      [
        'sensors',
        'add',
        'door-front',
        '--type',
        'gpio',
        '--pin',
        '17',
        '--kind',
        'contact',
        '--active-low',
        '--room',
        'hall',
        '--json',
      ],
      { HEARTH_DATA_DIR: dataDir },
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout).added).toMatchObject({
      id: 'door-front',
      settings: { pin: 17, activeLow: true },
    });

    // This machine has no sysfs GPIO: the sensor is reported unavailable and the agent keeps running.
    await agent.waitFor((e) => e.msg === 'GPIO sensors are unavailable');
    const listed = await hearth(['sensors', 'list', '--json', '--data-dir', dataDir]);
    const { sensors } = JSON.parse(listed.stdout) as { sensors: { id: string; available: boolean | null }[] };
    expect(sensors.find((s) => s.id === 'door-front')?.available).toBe(false);

    const bad = await hearth([
      'sensors',
      'add',
      'mat',
      '--type',
      'gpio',
      '--pin',
      '40',
      '--kind',
      'pressure',
      '--data-dir',
      dataDir,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/settings\.pin/);

    expect((await hearth(['sensors', 'remove', 'door-front', '--data-dir', dataDir])).code).toBe(0);
    const again = await hearth(['sensors', 'remove', 'door-front', '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no sensor 'door-front'/);

    const diagnosis = await hearth(['diagnose', '--json', '--data-dir', dataDir]);
    expect(diagnosis.code).toBe(6);
    const checks = JSON.parse(diagnosis.stdout).checks as { name: string; result: string; hint?: string }[];
    expect(checks.find((c) => c.name === 'agent')?.result).toBe('pass');
    expect(checks.find((c) => c.name === 'cloud')).toMatchObject({
      result: 'fail',
      hint: expect.stringMatching(/hearth pair/),
    });
    expect(checks.find((c) => c.name === 'gpio')?.result).toBe('warn');
  });

  it('keeps sensors added while the agent is stopped for its next start', async () => {
    const dataDir = tempDataDir();
    const added = await hearth([
      'sensors',
      'add',
      'pir-hall',
      '--type',
      'gpio',
      '--pin',
      '5',
      '--kind',
      'motion',
      '--data-dir',
      dataDir,
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/next start/);
    const listed = await hearth(['sensors', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(listed.stdout).devices.map((d: { id: string }) => d.id)).toEqual(['pir-hall']);
  });

  it('confirms a sensor the technician triggers, and fails when nothing comes', async () => {
    const dataDir = tempDataDir();
    agent = startAgent(['--data-dir', dataDir, '--simulate']);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');

    const watching = hearth([
      'sensors',
      'test',
      'pendant',
      '--timeout',
      '20',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir])).code).toBe(0);
    const result = await watching;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      sensorId: 'pendant',
      confirmed: true,
      reading: { kind: 'button', value: true },
    });

    const silent = await hearth(['sensors', 'test', 'door-front', '--timeout', '1', '--data-dir', dataDir]);
    expect(silent.code).toBe(6);
    expect(silent.stderr).toMatch(/nothing from door-front in 1 s/);
  });
});

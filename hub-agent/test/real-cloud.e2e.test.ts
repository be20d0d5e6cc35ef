import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';
import { type RealCloud, startRealCloud } from './support/real-cloud.js';

let cloud: RealCloud;
let agent: AgentProcess | null = null;
beforeAll(async () => {
  cloud = await startRealCloud(mkdtempSync(join(tmpdir(), 'hearth-cloud-')));
}, 120_000);
afterAll(async () => {
  await agent?.kill();
  await cloud?.stop();
});

interface StoredEvent {
  seq: number;
  sensorId: string;
  kind: string;
}

describe('the technician pairs a hub with the real cloud', () => {
  it('claims a code, uploads the simulated home and a pendant alert, and a used code is refused', async () => {
    const senior = await cloud.api<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Margaret Ellis',
      timezone: 'Europe/London',
    });
    const { code } = await cloud.api<{ code: string }>('POST', `/api/v1/seniors/${senior.id}/pairing-codes`);
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-hub-'));

    const paired = await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', dataDir]);
    expect(paired.code).toBe(0);
    expect(paired.stdout).toMatch(/Paired with Margaret Ellis's home \(hub [0-9a-f-]{36}\)/);

    const reused = await hearth([
      'pair',
      '--cloud',
      cloud.url,
      '--code',
      code,
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'x-')),
    ]);
    expect(reused.code).toBe(5);

    agent = startAgent(['--data-dir', dataDir, '--simulate', '--sim-speed', '600']);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    const pressed = await hearth(['simulate', 'press', 'pendant', '--json', '--data-dir', dataDir]);
    expect(pressed.code).toBe(0);

    let alerts: { kind: string; severity: string }[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !alerts.some((a) => a.kind === 'pendant_pressed')) {
      alerts = (
        await cloud.api<{ alerts: { kind: string; severity: string }[] }>(
          'GET',
          `/api/v1/seniors/${senior.id}/alerts`,
        )
      ).alerts;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(alerts.find((a) => a.kind === 'pendant_pressed')).toMatchObject({ severity: 'critical' });

    const status = JSON.parse((await hearth(['status', '--json', '--data-dir', dataDir])).stdout);
    expect(status.cloud).toMatchObject({ connected: true, url: cloud.url });
    const { events } = await cloud.api<{ events: StoredEvent[] }>(
      'GET',
      `/api/v1/seniors/${senior.id}/events`,
    );
    expect(events.some((e) => e.sensorId === 'pendant' && e.kind === 'button')).toBe(true);

    const diagnosis = JSON.parse((await hearth(['diagnose', '--json', '--data-dir', dataDir])).stdout);
    expect(diagnosis.checks.find((c: { name: string }) => c.name === 'cloud')).toMatchObject({
      result: 'pass',
    });

    // An admin revokes the hub: it stops uploading and tells the technician to pair again.
    await cloud.api('DELETE', `/api/v1/hubs/${status.hubId}`);
    await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir]);
    let cloudState: { state: string; lastError: string | null } = { state: '', lastError: null };
    const until = Date.now() + 15_000;
    while (Date.now() < until && cloudState.state !== 'rejected') {
      cloudState = JSON.parse((await hearth(['status', '--json', '--data-dir', dataDir])).stdout).cloud;
    }
    expect(cloudState.state).toBe('rejected');
    expect(cloudState.lastError).toMatch(/hearth pair/);
    expect(await agent.stop()).toBe(0);
  });
});

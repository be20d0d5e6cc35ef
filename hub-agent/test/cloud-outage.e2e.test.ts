import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';
import { type RealCloud, startRealCloud } from './support/real-cloud.js';

let cloud: RealCloud | null = null;
let agent: AgentProcess | null = null;
afterAll(async () => {
  await agent?.kill();
  await cloud?.stop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const status = async (dataDir: string) =>
  JSON.parse((await hearth(['status', '--json', '--data-dir', dataDir])).stdout);

describe('the cloud is killed while the hub runs', () => {
  it('loses nothing: after it returns, every event the hub committed is stored exactly once', async () => {
    const port = await freePort();
    const cloudDir = mkdtempSync(join(tmpdir(), 'hearth-cloud-'));
    cloud = await startRealCloud(cloudDir, { PORT: String(port) });
    const senior = await cloud.api<{ id: string }>('POST', '/api/v1/seniors', { name: 'Arthur Bennett' });
    const { code } = await cloud.api<{ code: string }>('POST', `/api/v1/seniors/${senior.id}/pairing-codes`);
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-hub-'));
    expect((await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', dataDir])).code).toBe(
      0,
    );
    const config = join(dataDir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({ uplink: { backoffInitialMs: 200, backoffMaxMs: 1000, idlePollMs: 500 } }),
    );
    agent = startAgent(['--config', config, '--data-dir', dataDir, '--simulate', '--sim-speed', '3000']);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    await new Promise((r) => setTimeout(r, 2000));

    await cloud.kill();
    for (let i = 0; i < 3; i++) {
      await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir]);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const offline = await status(dataDir);
    expect(offline.cloud.connected).toBe(false);
    expect(offline.outbox.backlog).toBeGreaterThan(0);

    cloud = await startRealCloud(cloudDir, { PORT: String(port) });
    await new Promise((r) => setTimeout(r, 1000));
    // The simulated home stops producing (a restart without --simulate) so the backlog can reach zero.
    expect(await agent.stop()).toBe(0);
    agent = startAgent(['--config', config, '--data-dir', dataDir]);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    let outbox = (await status(dataDir)).outbox;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && outbox.backlog > 0) {
      await new Promise((r) => setTimeout(r, 200));
      outbox = (await status(dataDir)).outbox;
    }
    expect(outbox.backlog).toBe(0);

    const { events } = await cloud.api<{ events: { seq: number; kind: string; sensorId: string }[] }>(
      'GET',
      `/api/v1/seniors/${senior.id}/events?limit=10000`,
    );
    const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: outbox.lastSeq }, (_, i) => i + 1));
    // Three presses while the cloud was dead; detection merges repeated presses into one alert.
    expect(events.filter((e) => e.sensorId === 'pendant').length).toBeGreaterThanOrEqual(3);
    expect(events.some((e) => e.kind === 'alert')).toBe(true);
  }, 180_000);
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { writeCredentials } from '../src/config/credentials.js';
import { buildAgentBundle } from './support/bundle.js';
import { startAgent } from './support/programs.js';
import { TestCloud } from './support/test-cloud.js';

// Hundreds of power cuts by default; HEARTH_KILL_ITERATIONS trades depth for time.
const ITERATIONS = Number(process.env.HEARTH_KILL_ITERATIONS ?? 200);

let bundle: string;
let cloud: TestCloud;
beforeAll(async () => {
  bundle = await buildAgentBundle();
  cloud = await new TestCloud().start();
});
afterAll(async () => {
  await cloud?.stop();
  if (bundle) rmSync(bundle, { force: true });
});

describe('hearth-agent killed with SIGKILL at random moments', () => {
  it(
    'delivers every committed event to the cloud exactly once and keeps its database intact',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hearth-kill-'));
      writeCredentials(join(dataDir, 'credentials.json'), {
        cloudUrl: cloud.url,
        hubId: cloud.hubId,
        apiKey: cloud.apiKey,
        seniorId: cloud.seniorId,
        deviceId: 'kill-loop',
        pairedAt: new Date().toISOString(),
      });
      const config = join(dataDir, 'agent.json');
      writeFileSync(
        config,
        JSON.stringify({
          simulate: true,
          simSpeed: 3000,
          simPendantEverySeconds: 0.2,
          logLevel: 'info',
          uplink: { batchSize: 50, backoffInitialMs: 20, backoffMaxMs: 200, idlePollMs: 200, lingerMs: 20 },
        }),
      );
      const args = ['--config', config, '--data-dir', dataDir];

      for (let i = 0; i < ITERATIONS; i++) {
        // Some uploads are committed by the cloud but the answer never arrives; some fail outright.
        if (i % 7 === 3) cloud.resetAfterCommit(1);
        if (i % 11 === 5) cloud.fail(2);
        const agent = startAgent(args, {}, bundle);
        try {
          if (i % 2 === 0) {
            // While it starts: opening, checking and migrating the database.
            await new Promise((r) => setTimeout(r, Math.random() * 800));
          } else {
            // While it works: committing readings and alerts, uploading, advancing the cursor.
            await agent.waitFor((e) => e.msg === 'hearth-agent ready');
            await new Promise((r) => setTimeout(r, Math.random() * 400));
          }
        } finally {
          await agent.kill();
        }
      }

      // Power returns for good: the agent drains its backlog and stops cleanly. The simulated home is
      // off now, so nothing new is committed between the last upload and the stop.
      const drainConfig = join(dataDir, 'drain.json');
      writeFileSync(
        drainConfig,
        JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), simulate: false }),
      );
      const agent = startAgent(['--config', drainConfig, '--data-dir', dataDir], {}, bundle);
      onTestFinished(() => agent.kill());
      await agent.waitFor((e) => e.msg === 'hearth-agent ready');
      const db = new Database(join(dataDir, 'outbox.db'), { readonly: true });
      const lastSeq = () =>
        (db.prepare('SELECT last_seq FROM seq_counter').get() as { last_seq: number }).last_seq;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && cloud.ackedThroughSeq() < lastSeq())
        await new Promise((r) => setTimeout(r, 50));
      expect(await agent.stop()).toBe(0);

      const committed = db.prepare('SELECT * FROM outbox ORDER BY seq').all() as {
        seq: number;
        ts: number;
        sensor_id: string;
        value: string | null;
        alert: string | null;
      }[];
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      expect(readdirSync(dataDir).filter((f) => f.includes('corrupt'))).toEqual([]);

      expect(committed.length).toBeGreaterThan(ITERATIONS / 4);
      expect(committed.map((r) => r.seq)).toEqual(committed.map((_, i) => i + 1));
      // Exactly once: every committed seq is held, nothing else is, and no seq ever carried two events.
      expect([...cloud.events.keys()].sort((a, b) => a - b)).toEqual(committed.map((r) => r.seq));
      expect(cloud.conflicts).toEqual([]);
      for (const row of committed) {
        const held = cloud.events.get(row.seq)!;
        expect([held.sensorId, Date.parse(held.ts), held.value]).toEqual([
          row.sensor_id,
          row.ts,
          row.value === null ? null : JSON.parse(row.value),
        ]);
        if (row.alert) expect(held.alert?.alertId).toBe(JSON.parse(row.alert).alertId);
      }
      const alertIds = [...cloud.events.values()].flatMap((e) => (e.alert ? [e.alert.alertId] : []));
      expect(alertIds.length).toBeGreaterThan(0);
      expect(new Set(alertIds).size).toBe(alertIds.length);
    },
    Math.max(120_000, ITERATIONS * 3000),
  );
});

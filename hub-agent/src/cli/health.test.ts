import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../config/paths.js';
import type { AgentStatus } from '../control/status.js';
import { judgeHealth } from './health.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hearth-health-'));
writeFileSync(dataPaths(dataDir).outbox, '');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const startedAt = '2026-01-01T00:00:10.000Z';

function status(over: Partial<AgentStatus>): AgentStatus {
  return {
    hubId: null,
    seniorId: null,
    seniorName: null,
    agent: { pid: 42, startedAt, dataDir, simulate: false, bootId: 'b' },
    clock: { synced: true },
    cloud: { url: null, state: 'unpaired', connected: false, lastUploadAt: null, lastError: null },
    outbox: { lastSeq: 3, ackedThroughSeq: 0, backlog: 3, pendingAlerts: 0, droppedReadings: 0 },
    readings: { committed: 3, rejected: 0, alertsRaised: 0 },
    detection: { ticks: 2, lastTickAt: '2026-01-01T00:01:10.000Z' },
    sensors: [],
    sources: { running: [], failed: {} },
    robot: { state: 'disabled' },
    model: { state: 'none', version: null, sha256: null },
    ...over,
  };
}

const verdict = (s: AgentStatus, since?: number) =>
  Object.fromEntries(judgeHealth(s, dataDir, since).map((c) => [c.name, c]));

describe('hearth health judges a release by what the hub is for', () => {
  it('passes a fresh agent with a writable outbox and ticking detection; the cloud is optional', () => {
    const checks = verdict(status({}), Date.parse(startedAt) - 1000);
    expect(checks.agent?.ok).toBe(true);
    expect(checks.outbox?.ok).toBe(true);
    expect(checks.detection?.ok).toBe(true);
    expect(checks.cloud).toMatchObject({ ok: false, optional: true, detail: 'not paired' });
    expect(checks.broker).toBeUndefined();
  });

  it('fails an agent that started before the switch, and detection that never ran', () => {
    const checks = verdict(status({ detection: { ticks: 0, lastTickAt: null } }), Date.parse(startedAt) + 1);
    expect(checks.agent).toMatchObject({ ok: false, optional: false });
    expect(checks.agent?.detail).toContain('before the switch');
    expect(checks.detection).toMatchObject({ ok: false, optional: false });
  });

  it("judges the robot's own broker as its status reports it", () => {
    const listening = verdict(
      status({
        robot: {
          state: 'not_paired',
          lastError: null,
          broker: { host: '0.0.0.0', port: 1883, tls: false, external: false },
          link: { connected: true },
          robots: [],
        },
      }),
    );
    expect(listening.broker).toMatchObject({
      ok: true,
      optional: false,
      detail: 'listening on 0.0.0.0:1883',
    });

    const failed = verdict(
      status({
        robot: {
          state: 'broker_failed',
          lastError: 'listen EADDRINUSE: address already in use 0.0.0.0:1883',
          broker: null,
          link: { connected: false },
          robots: [],
        },
      }),
    );
    expect(failed.broker).toMatchObject({ ok: false, optional: false });
    expect(failed.broker?.detail).toBe(
      'not listening: listen EADDRINUSE: address already in use 0.0.0.0:1883',
    );
  });

  it("reports an external broker's link without failing the release for it", () => {
    const checks = verdict(
      status({
        robot: {
          state: 'not_paired',
          lastError: null,
          broker: { host: 'mqtt.home', port: 8883, tls: true, external: true },
          link: { connected: false },
          robots: [],
        },
      }),
    );
    expect(checks.broker).toMatchObject({
      ok: false,
      optional: true,
      detail: 'external broker mqtt.home:8883 not connected',
    });
  });
});

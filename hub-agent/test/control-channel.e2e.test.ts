import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../src/control/status.js';
import { type AgentProcess, hearth, startAgent } from './support/programs.js';
import { type RealCloud, startRealCloud } from './support/real-cloud.js';

const routineModel = join(dirname(fileURLToPath(import.meta.url)), '../src/model/testdata/routine.onnx');

let cloud: RealCloud;
let agent: AgentProcess | null = null;
beforeAll(async () => {
  cloud = await startRealCloud(mkdtempSync(join(tmpdir(), 'hearth-cloud-')));
}, 120_000);
afterAll(async () => {
  await agent?.kill();
  await cloud?.stop();
});

async function statusOf(dataDir: string): Promise<AgentStatus> {
  const run = await hearth(['status', '--json', '--data-dir', dataDir]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as AgentStatus;
}

/** Polls `hearth status --json` until `ok` holds; fails after `ms`. */
async function statusUntil(dataDir: string, ok: (s: AgentStatus) => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  let last = await statusOf(dataDir);
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`within ${ms} ms: ${what}\nlast status: ${JSON.stringify(last, null, 1)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await statusOf(dataDir);
  }
  return last;
}

describe('the cloud reaches a running hub over its control channel', () => {
  it('an acknowledgement, a new model, new rules and a safety check arrive at once, and the acknowledgement survives a restart', async () => {
    const senior = await cloud.api<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Arthur Penrose',
      timezone: 'Europe/London',
    });
    const { code } = await cloud.api<{ code: string }>('POST', `/api/v1/seniors/${senior.id}/pairing-codes`);
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-hub-'));
    expect((await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', dataDir])).code).toBe(
      0,
    );
    // No automatic presses: the only alert is the one this test makes.
    const config = join(dataDir, 'agent.json');
    writeFileSync(config, JSON.stringify({ simPendantEverySeconds: 0 }));
    const args = ['--data-dir', dataDir, '--simulate', '--config', config];
    agent = startAgent(args);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    await statusUntil(dataDir, (s) => s.cloud.control?.connected === true, 10_000, 'control channel up');

    // The pendant is pressed; a carer (here the admin) acknowledges in the cloud.
    expect((await hearth(['simulate', 'press', 'pendant', '--data-dir', dataDir])).code).toBe(0);
    let alertId: string | undefined;
    const deadline = Date.now() + 15_000;
    while (!alertId && Date.now() < deadline) {
      const { alerts } = await cloud.api<{ alerts: { id: string; kind: string }[] }>(
        'GET',
        `/api/v1/seniors/${senior.id}/alerts`,
      );
      alertId = alerts.find((a) => a.kind === 'pendant_pressed')?.id;
      if (!alertId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alertId).toBeDefined();
    const me = await cloud.api<{ id: string; name: string }>('GET', '/api/v1/me');
    const ackedAt = Date.now();
    await cloud.api('POST', `/api/v1/alerts/${alertId}/ack`);
    const acked = await statusUntil(
      dataDir,
      (s) => s.alerts?.recent.some((r) => r.cloudAlertId === alertId && r.status === 'acknowledged') === true,
      5000,
      'the hub shows the alert acknowledged',
    );
    expect(Date.now() - ackedAt).toBeLessThan(5000);
    expect(acked.alerts?.recent[0]).toMatchObject({
      kind: 'pendant_pressed',
      status: 'acknowledged',
      acknowledgedBy: me.id,
      acknowledgedByName: me.name,
    });
    expect(acked.alerts).toMatchObject({ open: 0, acknowledged: 1 });
    expect(acked.cloud.control?.lastMessageAt).not.toBeNull();

    // An admin activates a model: the hub runs it without waiting for its six-hourly check.
    expect((await statusOf(dataDir)).model.state).toBe('rules_only');
    const { accessToken } = await cloud.api<{ accessToken: string }>('POST', '/api/v1/auth/login', {
      email: 'admin@demo.hearth',
      password: 'demo-admin',
    });
    const uploaded = await fetch(new URL(`/api/v1/seniors/${senior.id}/models?activate=true`, cloud.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/octet-stream' },
      body: readFileSync(routineModel),
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const { model } = (await uploaded.json()) as { model: { version: number; sha256: string } };
    const withModel = await statusUntil(
      dataDir,
      (s) => s.model.sha256 === model.sha256,
      5000,
      'the hub runs the new model',
    );
    expect(withModel.model).toMatchObject({ state: 'active', version: String(model.version) });

    // An admin changes the rules: the running hub applies them at once.
    const rules = await cloud.api<Record<string, unknown>>('GET', `/api/v1/seniors/${senior.id}/rules`);
    await cloud.api('PUT', `/api/v1/seniors/${senior.id}/rules`, { ...rules, bathroom: { maxMinutes: 20 } });
    await agent.waitFor((e) => e.msg === 'rule settings from the cloud applied', 5000);

    // Staff ask for a safety check: without a robot the hub says so at once.
    const check = await cloud.api<{ id: string }>('POST', `/api/v1/seniors/${senior.id}/safety-checks`, {
      room: 'kitchen',
    });
    let answered: { status: string; detail: string | null } = { status: 'requested', detail: null };
    const until = Date.now() + 5000;
    while (answered.status === 'requested' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      answered = await cloud.api('GET', `/api/v1/safety-checks/${check.id}`);
    }
    expect(answered).toMatchObject({ status: 'failed', detail: 'no robot is paired with this hub' });

    // The hub restarts: it still knows a person has the alert, and runs the rules it was sent.
    expect(await agent.stop()).toBe(0);
    agent = startAgent(args);
    await agent.waitFor((e) => e.msg === 'hearth-agent ready');
    expect(agent.lines.some((l) => l.includes('rule settings from the cloud restored from disk'))).toBe(true);
    const restarted = await statusOf(dataDir);
    expect(restarted.alerts?.recent.find((r) => r.cloudAlertId === alertId)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: me.id,
    });
    expect(await agent.stop()).toBe(0);
    agent = null;
  }, 120_000);
});

// A staff safety check end to end, with the real programs: two cloud instances sharing PostgreSQL and
// Redis, each home's hub agent (its own broker) holding its control socket on instance A, the robot
// simulator on that broker, and the carer's dashboard, socket and request on instance B. Every hop
// crosses the bus and arrives in order, ending in the result; a robot that never answers ends in
// "undelivered: the robot did not answer" and a critical alert; the senior page shows it all live.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, SafetyCheck } from '@hearth/shared';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type CloudProgram,
  freePort,
  hearth,
  type Program,
  startAgent,
  startCloud,
  startRobotSim,
} from '../../scripts/local-stack.js';
import {
  haveChromium,
  keepScreenshot,
  launchChromium,
  newDashboardContext,
  seriousA11yViolations,
  signIn,
} from '../support/dashboard-browser.js';
import { eventually } from '../support/poll.js';
import { StaffSocket } from '../support/staff-socket.js';
import { cloudTargets } from '../support/targets.js';

const real = cloudTargets().find((t) => t.name === 'postgres+redis');
if (!real)
  console.warn('\n*** The two-instance safety-check suite needs DATABASE_URL and REDIS_URL: skipped. ***\n');

/** The statuses a check went through, as the dashboard heard them, with repeated progress folded. */
function statusesSeen(socket: StaffSocket, id: string): string[] {
  const seen = socket.received
    .filter((m) => m.type === 'update' && m.topic === 'safety-checks' && (m.data as SafetyCheck).id === id)
    .map((m) => (m.data as SafetyCheck).status);
  return seen.filter((s, i) => s !== 'progress' || seen[i - 1] !== 'progress');
}

describe.runIf(real)('a staff safety check across two cloud instances, with the real hub and robot', () => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-safety-'));
  const programs: Program[] = [];
  let cleanupDb: () => Promise<void> = async () => {};
  let a: CloudProgram;
  let b: CloudProgram;
  let carerOnB: ApiClient;
  let carerId: string;
  const homes: { seniorId: string; dataDir: string }[] = [];

  beforeAll(async () => {
    const prepared = await real!.prepare();
    cleanupDb = prepared.cleanup;
    const env = {
      ...prepared.env,
      HEARTH_REDIS_PREFIX: `${process.env.HEARTH_TEST_REDIS_PREFIX ?? 'e2e:'}safety-${randomBytes(4).toString('hex')}:`,
      HEARTH_DEMO_ACCOUNTS: '1',
      // The hub's own acknowledgement deadline (2 s, below) comes first; these are the cloud's backstops.
      HEARTH_SAFETY_CHECK_ACK_SECONDS: '10',
      HEARTH_SAFETY_CHECK_RESULT_SECONDS: '30',
    };
    a = await startCloud({ dataDir: join(work, 'cloud-a'), env });
    programs.push(a);
    b = await startCloud({ dataDir: join(work, 'cloud-b'), env });
    programs.push(b);

    const admin = new ApiClient(a.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const { staff } = await admin.request<{ staff: { id: string; email: string }[] }>('GET', '/api/v1/staff');
    carerId = staff.find((s) => s.email === 'staff@demo.hearth')!.id;
    carerOnB = new ApiClient(b.url);
    await carerOnB.login('staff@demo.hearth', 'demo-staff');

    const agentConfig = join(work, 'agent.json');
    writeFileSync(
      agentConfig,
      JSON.stringify({ robot: { broker: { host: '127.0.0.1' }, ackTimeoutSeconds: 2 } }),
    );
    const robots = [
      ['--rooms', 'kitchen=300,hall=200', '--check-ms', '200', '--ack-ms', '20'],
      ['--misbehave', 'never_answers'],
    ];
    for (const [index, robotArgs] of robots.entries()) {
      const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
        name: `Home ${index + 1}`,
      });
      await admin.request('POST', `/api/v1/seniors/${senior.id}/staff`, { staffId: carerId });
      const { code } = await admin.request<{ code: string }>(
        'POST',
        `/api/v1/seniors/${senior.id}/pairing-codes`,
      );
      const dataDir = join(work, `hub-${index + 1}`);
      // Paired with instance A: that is where its control socket lives.
      await hearth([
        'pair',
        '--cloud',
        a.url,
        '--code',
        code,
        '--data-dir',
        dataDir,
        '--device-id',
        `safety-${index}`,
      ]);
      const mqttPort = await freePort();
      programs.push(
        startAgent({
          dataDir,
          simulate: false,
          args: ['--config', agentConfig, '--mqtt-port', String(mqttPort)],
        }),
      );
      await eventually(
        () => hearth(['status', '--json', '--data-dir', dataDir]),
        (s) => (JSON.parse(s.stdout) as { robot?: { broker?: unknown } }).robot?.broker != null,
        60_000,
      );
      programs.push(
        await startRobotSim({ dataDir, mqttPort, robotId: `robot-${index + 1}`, args: robotArgs }),
      );
      await eventually(
        () => hearth(['status', '--json', '--data-dir', dataDir]),
        (s) => (JSON.parse(s.stdout) as { robot?: { state?: string } }).robot?.state === 'ready',
        60_000,
      );
      homes.push({ seniorId: senior.id, dataDir });
    }
  }, 240_000);

  afterAll(async () => {
    for (const p of programs.reverse()) await p.stop();
    await cleanupDb();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  /** Asks on B until the hub's control socket (on A) is known to every instance. */
  const ask = (seniorId: string) =>
    eventually(
      () =>
        carerOnB.request<{ id: string; status: string }>(
          'POST',
          `/api/v1/seniors/${seniorId}/safety-checks`,
          {},
        ),
      (r) => r.status === 'requested',
      60_000,
    );

  it('shows the dashboard on B every hop, in order, ending in the result', async () => {
    const dashboard = await StaffSocket.connect(b.url, carerOnB.accessToken!);
    dashboard.send({ type: 'subscribe', topic: 'safety-checks' });
    await dashboard.next((m) => m.type === 'snapshot' && m.topic === 'safety-checks');
    const { id } = await ask(homes[0]!.seniorId);
    const done = await dashboard.next(
      (m) =>
        m.topic === 'safety-checks' &&
        (m.data as SafetyCheck).id === id &&
        (m.data as SafetyCheck).status === 'done',
      30_000,
    );
    expect(statusesSeen(dashboard, id)).toEqual([
      'requested',
      'delivered',
      'sent',
      'acknowledged',
      'progress',
      'done',
    ]);
    const check = done.data as SafetyCheck;
    expect(check).toMatchObject({ outcome: 'ok', status: 'done' });
    expect(check.hops?.map((h) => h.status)).toEqual([
      'requested',
      'delivered',
      'sent',
      'acknowledged',
      ...check.hops!.filter((h) => h.status === 'progress').map(() => 'progress'),
      'done',
    ]);
    expect(check.hops?.find((h) => h.status === 'sent')?.robotId).toBe('robot-1');
    expect(check.hops?.filter((h) => h.status === 'progress').map((h) => h.stage)).toContain('checking');
    dashboard.close();
  }, 60_000);

  it('says the robot did not answer when it never does, and raises a critical alert', async () => {
    const dashboard = await StaffSocket.connect(b.url, carerOnB.accessToken!);
    dashboard.send({ type: 'subscribe', topic: 'safety-checks' });
    dashboard.send({ type: 'subscribe', topic: 'alerts' });
    await dashboard.next((m) => m.type === 'snapshot' && m.topic === 'alerts');
    const { id } = await ask(homes[1]!.seniorId);
    const undelivered = await dashboard.next(
      (m) =>
        m.topic === 'safety-checks' &&
        (m.data as SafetyCheck).id === id &&
        (m.data as SafetyCheck).status === 'undelivered',
      30_000,
    );
    expect(undelivered.data).toMatchObject({ reason: 'robot_no_answer' });
    expect(statusesSeen(dashboard, id)).toEqual(['requested', 'delivered', 'sent', 'undelivered']);
    const alert = await dashboard.next(
      (m) =>
        m.topic === 'alerts' &&
        m.type === 'update' &&
        (m.data as Alert).evidence.some((e) => e.safetyCheckId === id),
      10_000,
    );
    expect(alert.data).toMatchObject({
      kind: 'safety_check',
      severity: 'critical',
      seniorId: homes[1]!.seniorId,
    });
    expect((alert.data as Alert).message).toMatch(/robot did not answer/);
    dashboard.close();
  }, 60_000);

  describe.runIf(haveChromium)('on the senior page', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('the safety-check button shows each hop live, ending in the outcome, in words', async () => {
      const context = await newDashboardContext(browser);
      const page = await context.newPage();
      try {
        await signIn(page, b.url, 'staff@demo.hearth', 'demo-staff');
        await page.goto(`${b.url}/#/seniors/${homes[0]!.seniorId}`);
        const panel = page.locator('#senior-safety-check .safety-check');
        const button = panel.getByRole('button', { name: 'Send the robot to check' });
        // The previous check of this home (done) shows first; the new one replaces it.
        await expect.poll(() => panel.getAttribute('data-status')).toBe('done');
        const before = await panel.getAttribute('data-check-id');
        await button.click();
        await expect.poll(() => panel.getAttribute('data-check-id')).not.toBe(before);
        await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
        const hops = await panel
          .locator('li')
          .evaluateAll((items) => items.map((li) => li.getAttribute('data-hop')));
        expect(hops.filter((h, i) => h !== 'progress' || hops[i - 1] !== 'progress')).toEqual([
          'requested',
          'delivered',
          'sent',
          'acknowledged',
          'progress',
          'done',
        ]);
        expect(await panel.getByRole('status').textContent()).toBe('Result: the senior is OK');
        await expect.poll(() => button.isEnabled()).toBe(true);
        await keepScreenshot(page, 'safety-check-done');
        expect(await seriousA11yViolations(page)).toEqual([]);

        // A page opened afterwards shows the same history from the snapshot.
        await page.reload();
        await expect.poll(() => panel.locator('li').count(), { timeout: 10_000 }).toBe(hops.length);

        await page.goto(`${b.url}/#/seniors/${homes[1]!.seniorId}`);
        await expect.poll(() => panel.getAttribute('data-status')).toBe('undelivered');
        const earlier = await panel.getAttribute('data-check-id');
        await panel.getByRole('button', { name: 'Send the robot to check' }).click();
        await expect.poll(() => panel.getAttribute('data-check-id')).not.toBe(earlier);
        await expect.poll(() => panel.getAttribute('data-status'), { timeout: 30_000 }).toBe('undelivered');
        expect(await panel.getByRole('status').textContent()).toBe('Undelivered: the robot did not answer');
        await keepScreenshot(page, 'safety-check-undelivered');
      } finally {
        await context.close();
      }
    }, 90_000);
  });

  it("answers HUB_OFFLINE on B at once when the hub's socket on A is gone", async () => {
    const agent = programs.find((p) => p.process.spawnargs.includes(homes[1]!.dataDir))!;
    expect(await agent.stop()).toBe(0);
    const ask = () =>
      fetch(new URL(`/api/v1/seniors/${homes[1]!.seniorId}/safety-checks`, b.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${carerOnB.accessToken}`, 'content-type': 'application/json' },
        body: '{}',
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string } } }));
    const refused = await eventually(ask, (r) => r.status === 409, 10_000);
    expect(refused.body.error?.code).toBe('HUB_OFFLINE');
  }, 30_000);
});

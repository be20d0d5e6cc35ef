// The thinnest whole path, with the real programs: a simulated pendant press on a hub becomes
// an alert on the assigned staff member's WebSocket, the events land in PostgreSQL exactly
// once, and a cloud outage while the hub runs loses nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type CloudProgram,
  hearth,
  type Program,
  startAgent,
  startCloud,
} from '../../scripts/local-stack.js';
import { eventually } from '../support/poll.js';
import { StaffSocket } from '../support/staff-socket.js';
import { cloudTargets } from '../support/targets.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface HubStatus {
  hubId: string;
  outbox: { lastSeq: number; ackedThroughSeq: number; backlog: number };
}

async function hubStatus(dataDir: string): Promise<HubStatus> {
  const { stdout } = await hearth(['status', '--json', '--data-dir', dataDir]);
  return JSON.parse(stdout) as HubStatus;
}

describe.each(cloudTargets())('pendant to staff screen ($name)', (target) => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-e2e-'));
  const cloudDir = join(work, 'cloud');
  const hubDir = join(work, 'hub');
  const agentConfig = join(work, 'agent.json');
  let env: Record<string, string | undefined>;
  let cleanup: () => Promise<void>;
  let port: number;
  let cloud: CloudProgram;
  let agent: Program;
  let staff: ApiClient;
  let seniorId: string;

  beforeAll(async () => {
    ({ env, cleanup } = await target.prepare());
    port = await freePort();
    cloud = await startCloud({ dataDir: cloudDir, port, env });
    // A real deployment has no default accounts: create the admin with the operator's command.
    await cloud.stop();
    await new Promise((resolve, reject) => {
      import('node:child_process').then(({ execFile }) => {
        const child = execFile(
          process.execPath,
          ['cloud-api/bin/hearth-cloud.js', 'create-admin', '--email', 'admin@home.test', '--password-stdin'],
          { env: { ...process.env, ...env, HEARTH_DATA_DIR: cloudDir } },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        );
        child.stdin?.end('correct horse battery\n');
      });
    });
    cloud = await startCloud({ dataDir: cloudDir, port, env });

    const admin = new ApiClient(cloud.url);
    await admin.login('admin@home.test', 'correct horse battery');
    const carer = await admin.request<{ id: string }>('POST', '/api/v1/staff', {
      email: 'nina@home.test',
      name: 'Nina Carer',
      role: 'staff',
      password: 'night shift 2026',
    });
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', {
      name: 'Margaret Ellis',
      address: '14 Rowan Close',
      timezone: 'Europe/London',
    });
    seniorId = senior.id;
    await admin.request('POST', `/api/v1/seniors/${seniorId}/staff`, { staffId: carer.id });
    const { code } = await admin.request<{ code: string }>(
      'POST',
      `/api/v1/seniors/${seniorId}/pairing-codes`,
    );
    await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', hubDir]);

    staff = new ApiClient(cloud.url);
    await staff.login('nina@home.test', 'night shift 2026');
    // The simulated home runs at 30x; the test presses the pendant itself, so the home's own
    // occasional presses are switched off.
    writeFileSync(agentConfig, JSON.stringify({ simPendantEverySeconds: 0 }));
    agent = startAgent({ dataDir: hubDir, simSpeed: 30, args: ['--config', agentConfig] });
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await cloud?.stop();
    await cleanup?.();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('shows a pendant press on the assigned staff member’s screen within seconds', async () => {
    const socket = await StaffSocket.connect(cloud.url, staff.accessToken!);
    try {
      socket.send({ type: 'subscribe', topic: 'alerts' });
      await socket.next((m) => m.type === 'snapshot' && m.topic === 'alerts');
      await eventually(
        () => hubStatus(hubDir),
        (s) => s.outbox.lastSeq > 0,
      );
      const pressedAt = Date.now();
      await hearth(['simulate', 'press', 'pendant', '--data-dir', hubDir]);
      const update = await socket.next(
        (m) =>
          m.type === 'update' &&
          m.topic === 'alerts' &&
          (m.data as { kind?: string }).kind === 'pendant_pressed',
        15_000,
      );
      const alert = update.data as { seniorId: string; severity: string; status: string };
      expect(alert).toMatchObject({ seniorId, severity: 'critical', status: 'open' });
      expect(Date.now() - pressedAt).toBeLessThan(10_000);
    } finally {
      socket.close();
    }
  });

  it('loses nothing while the cloud is down and stores every event exactly once', async () => {
    await cloud.kill();
    // The home goes on while the cloud is away: readings and a pendant press pile up on the hub.
    await hearth(['simulate', 'press', 'pendant', '--data-dir', hubDir]);
    await eventually(
      () => hubStatus(hubDir),
      (s) => s.outbox.backlog >= 1,
    );
    // Let the simulated home go on committing readings for a while with nowhere to send them.
    await new Promise((r) => setTimeout(r, 5000));
    const during = await hubStatus(hubDir);
    cloud = await startCloud({ dataDir: cloudDir, port, env });
    // Stop the simulated home, then let an agent with no sensors drain what was committed.
    await agent.stop();
    agent = startAgent({ dataDir: hubDir, simulate: false });
    const drained = await eventually(
      () => hubStatus(hubDir),
      (s) => s.outbox.backlog === 0 && s.outbox.ackedThroughSeq === s.outbox.lastSeq,
      60_000,
    );
    await agent.stop();
    await cloud.stop();

    const rows = await eventRows(target.name, env, cloudDir, drained.hubId);
    expect(rows.maxSeq).toBeGreaterThanOrEqual(during.outbox.lastSeq);
    expect(rows.maxSeq).toBeGreaterThanOrEqual(drained.outbox.ackedThroughSeq);
    expect(rows.distinctSeqs).toBe(rows.maxSeq);
    expect(rows.count).toBe(rows.maxSeq);
    expect(rows.pendantPresses).toBe(2);
    // The second press came within the pendant's one-minute cool-down: merged, not raised twice.
    expect(rows.pendantAlerts).toBe(1);
  }, 180_000);
});

interface EventRows {
  count: number;
  distinctSeqs: number;
  maxSeq: number;
  pendantPresses: number;
  pendantAlerts: number;
}

const rowsQuery = `
  SELECT count(*)::int AS count, count(DISTINCT seq)::int AS "distinctSeqs", coalesce(max(seq), 0)::int AS "maxSeq",
         count(*) FILTER (WHERE sensor_id = 'pendant' AND value = 'true'::jsonb)::int AS "pendantPresses",
         (SELECT count(*)::int FROM alerts WHERE kind = 'pendant_pressed') AS "pendantAlerts"
  FROM sensor_events WHERE hub_id = $1`;

async function eventRows(
  target: string,
  env: Record<string, string | undefined>,
  cloudDir: string,
  hubId: string,
): Promise<EventRows> {
  if (target === 'embedded') {
    const db = await PGlite.create(join(cloudDir, 'pgdata'));
    try {
      const result = await db.query<EventRows>(rowsQuery, [hubId]);
      return result.rows[0]!;
    } finally {
      await db.close();
    }
  }
  const sql = postgres(env.DATABASE_URL!, { max: 1 });
  try {
    const [row] = await sql.unsafe<EventRows[]>(rowsQuery, [hubId]);
    return row!;
  } finally {
    await sql.end();
  }
}

// The audit log cannot be bypassed: whatever a request held, its entry is writable; and when an
// entry about a security event cannot be written, the event does not happen.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { AuditLog } from '../src/audit/audit-log.js';
import type { Sql } from '../src/db/database.js';
import { cloudOn, type Loose, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const METRICS_TOKEN = 'audit-test-metrics-token';

describe.each(databaseTargets())('the audit log on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  // Nothing listens on port 1: every write through this client fails.
  const unreachable = postgres({ host: '127.0.0.1', port: 1, max: 1, connect_timeout: 2 }) as unknown as Sql;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, { env: { HEARTH_METRICS_TOKEN: METRICS_TOKEN } }));
    admin = await cloud.staff('admin');
    seniorId = await cloud.senior(admin.token);
  });
  afterAll(async () => {
    await unreachable.end({ timeout: 1 });
    await teardown();
  });

  it('writes an entry whatever its details hold: NUL, lone surrogates, deep nesting, huge text', async () => {
    const failures: unknown[] = [];
    const audit = new AuditLog(cloud.sql, (err) => failures.push(err));
    let deep: Loose = { end: true };
    for (let i = 0; i < 5000; i++) deep = { deep };
    await audit.recordSecurity({
      actorType: 'anonymous',
      action: 'hub.claim',
      outcome: 'denied',
      targetId: 'x\u0000y',
      ip: '\ud800',
      details: { deviceId: `pi\u0000\udc00${'z'.repeat(10_000)}`, 'k\u0000': 1, deep, n: Number.NaN },
    });
    expect(failures).toEqual([]);
    const [row] = await cloud.sql<{ target_id: string; ip: string; details: Loose }[]>`
      select target_id, ip, details from audit_log where action = 'hub.claim' and target_id like 'x%'`;
    expect(row!.target_id).toBe('x\ufffdy');
    expect(row!.ip).toBe('\ufffd');
    expect(row!.details.deviceId).toMatch(/^pi\ufffd\ufffdz+…$/);
    expect(row!.details.deviceId.length).toBeLessThan(300);
    expect(row!.details['k\ufffd']).toBe(1);
    expect(row!.details.n).toBe('NaN');
    expect(JSON.stringify(row!.details.deep)).toContain('[nested]');
  });

  it('refuses a login whose audit entry cannot be written, issuing no token, and counts the failure', async () => {
    const failures: string[] = [];
    const app = createApp({
      ...cloud.cloud.deps,
      audit: new AuditLog(unreachable, (_err, entry) => failures.push(entry.action)),
    });
    const res = await app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as Loose;
    expect(body.error.code).toBe('NOT_READY');
    expect(body.accessToken).toBeUndefined();
    expect(failures).toEqual(['auth.login']);
  });

  it('pairs no hub when the claim cannot be audited; the code still works once the log is back', async () => {
    const code = (await cloud.api('POST', `seniors/${seniorId}/pairing-codes`, { token: admin.token })).body
      .code as string;
    // The claim's entry is written inside the claim's transaction; here that write fails.
    class FailingAudit extends AuditLog {
      override recordSecurity(entry: Parameters<AuditLog['recordSecurity']>[0]) {
        return super.recordSecurity(entry, unreachable);
      }
    }
    const app = createApp({ ...cloud.cloud.deps, audit: new FailingAudit(cloud.sql, () => {}) });
    const res = await app.request('/api/v1/hubs/claim', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: 'pi-unaudited' }),
    });
    expect(res.status).toBe(503);
    const [hub] = await cloud.sql`select 1 from hubs where device_id = 'pi-unaudited'`;
    expect(hub).toBeUndefined();
    const claimed = await cloud.api('POST', 'hubs/claim', { body: { code, deviceId: 'pi-unaudited' } });
    expect(claimed.status).toBe(201);
    const [row] = await cloud.sql`select outcome from audit_log
      where action = 'hub.claim' and target_id = ${claimed.body.hubId}`;
    expect(row).toEqual({ outcome: 'ok' });
  });

  it('records a wrong pairing code guess', async () => {
    const res = await cloud.api('POST', 'hubs/claim', {
      body: { code: 'WRONG-CODE', deviceId: 'pi-guesser' },
    });
    expect(res.status).toBe(404);
    const rows = await cloud.sql`select outcome from audit_log
      where action = 'hub.claim' and details->>'deviceId' = 'pi-guesser'`;
    expect(rows).toEqual([{ outcome: 'denied' }]);
  });

  it('counts every failed audit write in /metrics, by action', async () => {
    const audit = cloud.cloud.deps.audit as unknown as { sql: Sql };
    const working = audit.sql;
    audit.sql = unreachable;
    try {
      const res = await cloud.api('POST', 'auth/login', {
        body: { email: admin.email, password: admin.password },
      });
      expect(res.status).toBe(503);
    } finally {
      audit.sql = working;
    }
    const metrics = await cloud.api('GET', '/metrics', { token: METRICS_TOKEN });
    expect(metrics.body).toMatch(/hearth_audit_write_failures_total\{action="auth.login"\} 1/);
  });
});

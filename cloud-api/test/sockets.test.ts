import { randomUUID } from 'node:crypto';
import type { Alert } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_CHANNEL } from '../src/alerts/alert-store.js';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('/ws limits on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      socketLimits: {
        maxConnectionsPerTopic: 2,
        maxQueueBytes: 256 * 1024,
        messageRate: { burst: 30, perSecond: 1 },
      },
    }));
    admin = await cloud.staff('admin');
    seniorId = await cloud.senior(admin.token);
  });
  afterAll(() => teardown());

  const fakeAlert = (n: number, pad = 0): Alert => ({
    id: randomUUID(),
    seniorId,
    hubId: null,
    kind: 'load_test',
    severity: 'info',
    source: 'rule',
    status: 'open',
    message: `alert ${n} ${'x'.repeat(pad)}`,
    evidence: [],
    occurredAt: new Date().toISOString(),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
    cursor: 1_000_000 + n,
  });

  it('answers a senior: or video: subscribe whose id is not a uuid with a precise error carrying its id', async () => {
    const ws = await cloud.ws(admin.token);
    for (const topic of [`senior:${'z'.repeat(36)}`, `video:${'0'.repeat(36)}`]) {
      ws.send({ type: 'subscribe', topic, id: `q-${topic}` });
      const answer = await ws.next((m) => m.type === 'error' && m.id === `q-${topic}`);
      expect(answer).toMatchObject({
        topic,
        data: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/uuid/) },
      });
    }
    ws.close();
  });

  it('closes a socket that sends past its message rate with 4429, and audits its repeated subscribes once', async () => {
    const carer = await cloud.staff('staff');
    await cloud.assign(admin.token, seniorId, carer.id);
    const ws = await cloud.ws(carer.token);
    for (let i = 0; i < 20; i++) expect((await ws.subscribe(`senior:${seniorId}`)).type).toBe('snapshot');
    const rows = await cloud.sql`select outcome from audit_log
      where actor_id = ${carer.id} and action = 'senior.live.subscribe'`;
    expect(rows).toEqual([{ outcome: 'ok' }]);
    // 1,000 subscribes in a burst: the socket is closed past the rate instead of serving them.
    for (let i = 0; i < 1000; i++) ws.send({ type: 'subscribe', topic: `senior:${seniorId}` });
    expect(await ws.closed).toBe(4429);
    // The next connection works, and is audited anew.
    const again = await cloud.ws(carer.token);
    expect((await again.subscribe(`senior:${seniorId}`)).type).toBe('snapshot');
    const after =
      await cloud.sql`select 1 from audit_log where actor_id = ${carer.id} and action = 'senior.live.subscribe'`;
    expect(after).toHaveLength(2);
    again.close();
  });

  it('caps one staff member’s connections per topic, and frees the slot when one leaves', async () => {
    const sockets = await Promise.all([cloud.ws(admin.token), cloud.ws(admin.token), cloud.ws(admin.token)]);
    expect((await sockets[0]!.subscribe('alerts')).type).toBe('snapshot');
    expect((await sockets[1]!.subscribe('alerts')).type).toBe('snapshot');
    const third = await sockets[2]!.subscribe('alerts');
    expect(third).toMatchObject({ type: 'error', data: { code: 'RATE_LIMITED' } });
    sockets[0]!.close();
    await sockets[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect((await sockets[2]!.subscribe('alerts')).type).toBe('snapshot');
    for (const s of sockets) s.close();
  });

  it('disconnects a dashboard that stops reading, and keeps serving the others', {
    timeout: 60_000,
  }, async () => {
    const slow = await cloud.ws(admin.token);
    const healthy = await cloud.ws(admin.token);
    await slow.subscribe('alerts');
    await healthy.subscribe('alerts');
    // The slow dashboard's socket stops reading: the server's queue for it grows.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let n = 0; n < 600; n++) {
      await cloud.cloud.deps.bus.publish(ALERTS_CHANNEL, { alert: fakeAlert(n, 16 * 1024) });
      // A live dashboard reads as fast as it can; give it the chance a real one has between rings.
      if (n % 10 === 9) await new Promise((r) => setTimeout(r, 10));
    }
    const deadline = Date.now() + 20_000;
    while (cloud.cloud.sockets.clientCount > 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(cloud.cloud.sockets.clientCount).toBe(1);
    await healthy.next(
      (m) => m.type === 'update' && (m.data as Alert).message.startsWith('alert 399 '),
      10_000,
    );
    expect((await cloud.api('GET', '/health')).status).toBe(200);
    healthy.close();
  });
});

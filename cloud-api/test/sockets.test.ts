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
      socketLimits: { maxConnectionsPerTopic: 2, maxQueueBytes: 256 * 1024 },
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

import { setImmediate } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  alert,
  fakeAccess,
  fakeContext,
  fakeSession,
  people,
  recordingLog,
} from '../../test/realtime-fakes.js';
import { FAN_OUT_SLICE, StaffFanOut } from './staff-fan-out.js';
import { handleStaffMessage } from './staff-handlers.js';
import { CLOSE_TOO_SLOW } from './staff-session.js';
import { TopicRegistry } from './topics.js';

const subscribe = JSON.stringify({ type: 'subscribe', topic: 'alerts' });

/** `n` admin dashboards subscribed to alerts, with nothing sent to them yet. */
async function dashboards(n: number, access = fakeAccess()) {
  const { ctx } = fakeContext(access);
  const wide = { ...ctx, registry: new TopicRegistry(Number.MAX_SAFE_INTEGER) };
  const all = Array.from({ length: n }, () => fakeSession(people.admin));
  for (const d of all) {
    await handleStaffMessage(wide, d.session, subscribe);
    d.port.sent.length = 0;
  }
  return { all, fanOut: new StaffFanOut(wide.registry, wide.access, recordingLog()) };
}

describe('alert fan-out at scale', () => {
  it('lets other work run between slices of a large fan-out, and reaches everyone', async () => {
    const n = FAN_OUT_SLICE * 3 + 7;
    const { all, fanOut } = await dashboards(n);
    const reached = () => all.filter((d) => d.port.sent.length > 0).length;
    const sending = fanOut.alert({ alert: alert() });
    // Another task (a ping, an upload) queued while the alert goes out gets its turn before the end.
    const seenMeanwhile: number[] = [];
    const other = (async () => {
      for (let i = 0; i < 4; i++) {
        await setImmediate();
        seenMeanwhile.push(reached());
      }
    })();
    await Promise.all([sending, other]);
    expect(seenMeanwhile.some((k) => k > 0 && k < n)).toBe(true);
    expect(reached()).toBe(n);
    expect(all.every((d) => d.port.sent.length === 1 && d.port.sent[0]!.id === 10)).toBe(true);
  });

  it('sends alert changes in the order they were rung, even when the later one is looked up first', async () => {
    let releaseFirst: () => void = () => {};
    const firstLookup = new Promise<void>((r) => {
      releaseFirst = r;
    });
    const access = fakeAccess({
      alertLevel: async (id) => {
        if (id === alert().id) await firstLookup;
        return 0;
      },
    });
    const { all, fanOut } = await dashboards(3, access);
    const first = fanOut.alert({ alert: alert({ cursor: 11 }) });
    const second = fanOut.alert({
      alert: alert({ id: '1b6f2c3e-9a51-4d7e-8c1f-2a3b4c5d6e7f', cursor: 12 }),
    });
    await setImmediate();
    expect(all[0]!.port.sent).toEqual([]);
    releaseFirst();
    await Promise.all([first, second]);
    for (const d of all) expect(d.port.sent.map((m) => m.id)).toEqual([11, 12]);
  });

  it('does not send again a change the snapshot carried when its ring comes late, but sends the next one', async () => {
    const inSnapshot = { ...alert({ cursor: 9 }), ring: false };
    const access = fakeAccess({
      alertSnapshot: async () => ({ alerts: [inSnapshot], cursor: 9, resumed: true }),
    });
    const { all, fanOut } = await dashboards(2, access);
    await fanOut.alert({ alert: alert({ cursor: 9 }) });
    for (const d of all) expect(d.port.sent).toEqual([]);
    await fanOut.alert({ alert: alert({ cursor: 12, status: 'acknowledged' }) });
    for (const d of all) expect(d.port.sent.map((m) => m.id)).toEqual([12]);
  });

  it('drops a dashboard whose queue is full with a reason to resume, and still reaches the rest', async () => {
    const { all, fanOut } = await dashboards(3);
    const slow = all[1]!;
    slow.port.bufferedAmount = 2 * 1024 * 1024;
    await fanOut.alert({ alert: alert() });
    expect(slow.port.closed).toEqual({
      code: CLOSE_TOO_SLOW,
      reason: expect.stringContaining('resume from your cursor'),
    });
    expect(slow.port.sent).toEqual([]);
    expect(all[0]!.port.sent).toHaveLength(1);
    expect(all[2]!.port.sent).toHaveLength(1);
  });

  it('a failed lookup rejects that change only; the next one still goes out', async () => {
    let fail = true;
    const access = fakeAccess({
      audience: async () => {
        if (fail) {
          fail = false;
          throw new Error('database gone');
        }
        return { carers: [], viewers: [], admins: [people.admin.id], onDuty: new Set<string>() };
      },
    });
    const { all, fanOut } = await dashboards(2, access);
    await expect(fanOut.alert({ alert: alert({ cursor: 11 }) })).rejects.toThrow('database gone');
    await fanOut.alert({ alert: alert({ cursor: 12 }) });
    expect(all[0]!.port.sent.map((m) => m.id)).toEqual([12]);
  });
});

import { describe, expect, it, vi } from 'vitest';
import {
  alert,
  fakeAccess,
  fakeContext,
  fakeSession,
  OTHER_SENIOR,
  people,
  recordingLog,
  SENIOR,
  SESSION,
} from '../../test/realtime-fakes.js';
import { StaffFanOut } from './staff-fan-out.js';
import { handleStaffMessage } from './staff-handlers.js';
import { CLOSE_RATE_LIMITED } from './staff-session.js';

const send = (m: unknown) => JSON.stringify(m);

describe('staff socket handlers', () => {
  it('answers a ping with a pong that echoes its id', async () => {
    const { ctx } = fakeContext();
    const { session, port } = fakeSession(people.primary);
    await handleStaffMessage(ctx, session, send({ type: 'ping', id: 7 }));
    expect(port.sent).toEqual([{ type: 'pong', topic: '', id: 7 }]);
  });

  it('answers a senior: or video: subscribe that is not a uuid with a precise error carrying its id', async () => {
    let asked = 0;
    const { ctx, log } = fakeContext(
      fakeAccess({
        authorise: async () => {
          asked++;
          return { ok: true, kind: 'feed' };
        },
      }),
    );
    const { session, port } = fakeSession(people.primary);
    for (const topic of [`senior:${'x'.repeat(36)}`, `video:${'-'.repeat(36)}`]) {
      await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic, id: `req-${topic.length}` }));
    }
    expect(port.of('error')).toHaveLength(2);
    for (const error of port.of('error')) {
      expect(error.id).toMatch(/^req-/);
      expect(error.data).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/uuid/) });
    }
    expect(asked).toBe(0);
    expect(log.error).not.toHaveBeenCalled();
  });

  it('answers a subscribe with a snapshot carrying the request id, and unsubscribe with an ack', async () => {
    const { ctx } = fakeContext();
    const { session, port } = fakeSession(people.primary);
    await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: `senior:${SENIOR}`, id: 'a' }));
    expect(port.sent.at(-1)).toEqual({
      type: 'snapshot',
      topic: `senior:${SENIOR}`,
      data: { topic: `senior:${SENIOR}` },
      id: 'a',
    });
    expect(ctx.registry.members(`senior:${SENIOR}`).has(session)).toBe(true);
    await handleStaffMessage(ctx, session, send({ type: 'unsubscribe', topic: `senior:${SENIOR}`, id: 'b' }));
    expect(port.sent.at(-1)).toEqual({ type: 'ack', topic: `senior:${SENIOR}`, id: 'b' });
    expect(ctx.registry.members(`senior:${SENIOR}`).has(session)).toBe(false);
  });

  it('refuses someone else’s senior as NOT_FOUND and audits the denial', async () => {
    const { ctx, audited } = fakeContext();
    const { session, port } = fakeSession(people.stranger);
    await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: `senior:${SENIOR}`, id: 1 }));
    expect(port.sent).toEqual([
      {
        type: 'error',
        topic: `senior:${SENIOR}`,
        data: { code: 'NOT_FOUND', message: 'senior not found' },
        id: 1,
      },
    ]);
    expect(audited).toEqual([
      expect.objectContaining({
        actorId: people.stranger.id,
        action: 'senior.live.subscribe',
        outcome: 'denied',
      }),
    ]);
  });

  it('records repeated identical subscribes once in the audit log, and different ones each', async () => {
    const { ctx, audited } = fakeContext();
    const { session } = fakeSession(people.primary);
    for (let i = 0; i < 50; i++) {
      await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: `senior:${SENIOR}` }));
      await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: `senior:${OTHER_SENIOR}` }));
      await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: 'alerts' }));
    }
    expect(audited.map((a) => [a.action, a.targetId, a.outcome])).toEqual([
      ['senior.live.subscribe', SENIOR, 'ok'],
      ['senior.live.subscribe', OTHER_SENIOR, 'denied'],
      ['alerts.subscribe', undefined, 'ok'],
    ]);
    // A new connection is audited anew.
    const { session: again } = fakeSession(people.primary);
    await handleStaffMessage(ctx, again, send({ type: 'subscribe', topic: `senior:${SENIOR}` }));
    expect(audited).toHaveLength(4);
  });

  it('closes a connection that sends past its message rate with 4429, and handles nothing more', async () => {
    let now = 0;
    const log = recordingLog();
    const { ctx } = fakeContext();
    const { session, port } = fakeSession(people.primary, {
      rate: { burst: 5, perSecond: 2 },
      now: () => now,
      log,
    });
    for (let i = 0; i < 5; i++) await handleStaffMessage(ctx, session, send({ type: 'ping', id: i }));
    now += 500; // one more message earned
    await handleStaffMessage(ctx, session, send({ type: 'ping', id: 5 }));
    expect(port.of('pong')).toHaveLength(6);
    expect(port.open).toBe(true);
    await handleStaffMessage(ctx, session, send({ type: 'ping', id: 6 }));
    expect(port.closed).toEqual({
      code: CLOSE_RATE_LIMITED,
      reason: expect.stringMatching(/message rate exceeded/),
    });
    expect(port.of('pong')).toHaveLength(6);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('relays a signal only on a video session the dashboard subscribed to', async () => {
    const { ctx, relayed } = fakeContext();
    const { session, port } = fakeSession(people.primary);
    const offer = { kind: 'answer', sdp: 'v=0' };
    await handleStaffMessage(
      ctx,
      session,
      send({ type: 'signal', topic: `video:${SESSION}`, data: offer, id: 1 }),
    );
    expect(port.of('error')[0]).toMatchObject({ data: { code: 'NOT_FOUND' }, id: 1 });
    await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: `video:${SESSION}` }));
    await handleStaffMessage(ctx, session, send({ type: 'signal', topic: `video:${SESSION}`, data: offer }));
    expect(relayed).toEqual([{ seniorId: SENIOR, sessionId: SESSION, data: offer }]);
  });

  it('answers a failure of the server INTERNAL with the request id, and logs it', async () => {
    const { ctx, log } = fakeContext(
      fakeAccess({
        snapshot: async () => {
          throw new Error('database gone');
        },
      }),
    );
    const { session, port } = fakeSession(people.admin);
    await handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: 'hubs', id: 'h' }));
    expect(port.sent).toEqual([
      { type: 'error', topic: 'hubs', data: { code: 'INTERNAL', message: expect.any(String) }, id: 'h' },
    ]);
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('refuses garbage and messages a dashboard may not send, and keeps the connection', async () => {
    const { ctx } = fakeContext();
    const { session, port } = fakeSession(people.primary);
    await handleStaffMessage(ctx, session, '{nope');
    await handleStaffMessage(ctx, session, send({ type: 'snapshot', topic: 'alerts', id: 3 }));
    expect(port.of('error').map((e) => (e.data as { code: string }).code)).toEqual([
      'MALFORMED_JSON',
      'BAD_REQUEST',
    ]);
    expect(port.of('error')[1]!.id).toBe(3);
    expect(port.open).toBe(true);
  });
});

describe('alert fan-out', () => {
  const subscribed = async (
    who: (typeof people)[keyof typeof people],
    ctx: ReturnType<typeof fakeContext>['ctx'],
  ) => {
    const s = fakeSession(who);
    await handleStaffMessage(ctx, s.session, send({ type: 'subscribe', topic: 'alerts' }));
    s.port.sent.length = 0;
    return s;
  };

  it('pushes an alert to everyone who may see it, ringing only those the policy names at its level', async () => {
    const { ctx } = fakeContext();
    const fanOut = new StaffFanOut(ctx.registry, ctx.access, recordingLog());
    const all = {
      primary: await subscribed(people.primary, ctx),
      second: await subscribed(people.second, ctx),
      admin: await subscribed(people.admin, ctx),
      stranger: await subscribed(people.stranger, ctx),
      technician: await subscribed(people.technician, ctx),
    };
    const rings = () =>
      Object.fromEntries(
        Object.entries(all).map(([who, s]) => [
          who,
          s.port.sent.map((m) => (m.data as { ring: boolean }).ring),
        ]),
      );
    await fanOut.alert({ alert: alert() });
    expect(rings()).toEqual({
      primary: [true],
      second: [false],
      admin: [false],
      stranger: [],
      technician: [false],
    });
    await fanOut.alert({
      alert: alert({ cursor: 11 }),
      escalation: { level: 1, notifiedStaff: [], at: 'now' },
    });
    await fanOut.alert({ alert: alert({ cursor: 12 }), level: 2 });
    await fanOut.alert({ alert: alert({ cursor: 13, status: 'acknowledged' }), level: 2 });
    expect(rings()).toEqual({
      primary: [true, true, false, false],
      second: [false, true, false, false],
      admin: [false, false, true, false],
      stranger: [],
      technician: [false, false, false, false],
    });
    expect(all.primary.port.sent[1]).toMatchObject({ id: 11, data: { escalation: { level: 1 } } });
  });

  it("tells the alert subscribers who may see the senior that an alert's deliveries changed, nobody else", async () => {
    const { ctx } = fakeContext();
    const fanOut = new StaffFanOut(ctx.registry, ctx.access, recordingLog());
    const primary = await subscribed(people.primary, ctx);
    const admin = await subscribed(people.admin, ctx);
    const stranger = await subscribed(people.stranger, ctx);
    const ring = { alertId: alert().id, seniorId: SENIOR };
    await fanOut.deliveries(ring);
    for (const s of [primary, admin])
      expect(s.port.sent).toEqual([{ type: 'update', topic: 'deliveries', data: ring }]);
    expect(stranger.port.sent).toEqual([]);
  });

  it('holds an alert rung while the snapshot is read and sends it after, unless the snapshot had it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { ctx } = fakeContext(
      fakeAccess({
        alertSnapshot: async () => {
          await gate;
          return { alerts: [{ ...alert({ cursor: 10 }), ring: true }], cursor: 10, resumed: false };
        },
      }),
    );
    const fanOut = new StaffFanOut(ctx.registry, ctx.access, recordingLog());
    const { session, port } = fakeSession(people.primary);
    const subscribing = handleStaffMessage(ctx, session, send({ type: 'subscribe', topic: 'alerts' }));
    await vi.waitFor(() => expect(ctx.registry.members('alerts').has(session)).toBe(true));
    await fanOut.alert({ alert: alert({ cursor: 9 }) });
    await fanOut.alert({ alert: alert({ cursor: 11 }) });
    expect(port.sent).toEqual([]);
    release();
    await subscribing;
    expect(port.sent.map((m) => [m.type, m.id])).toEqual([
      ['snapshot', 10],
      ['update', 11],
    ]);
  });
});

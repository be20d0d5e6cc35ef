import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const TURN_SECRET = 'coturn-static-auth-secret';

describe.each(databaseTargets())('live video signaling on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let colleague: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      env: {
        HEARTH_TURN_URLS: 'turn:turn.example:3478?transport=udp,turns:turn.example:5349',
        HEARTH_TURN_SECRET: TURN_SECRET,
        HEARTH_STUN_URLS: 'stun:turn.example:3478',
      },
    }));
    const admin = await cloud.staff('admin');
    carer = await cloud.staff('staff');
    colleague = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    await cloud.assign(admin.token, seniorId, colleague.id);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  it('opens an audited session with time-limited TURN credentials and relays SDP both ways', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const opened = await cloud.api('POST', `seniors/${seniorId}/video-sessions`, { token: carer.token });
    expect(opened.status).toBe(201);
    const { sessionId, iceServers } = opened.body;
    expect(iceServers[0]).toEqual({ urls: ['stun:turn.example:3478'] });
    const turn = iceServers[1];
    expect(turn.urls).toEqual(['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349']);
    const [expiry, user] = turn.username.split(':');
    expect(user).toBe(carer.id);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
    const [audit] =
      await cloud.sql`select details from audit_log where action = 'video.session' and actor_id = ${carer.id}`;
    expect(audit?.details).toEqual({ sessionId });

    // The hub is told to start, with credentials of its own.
    const start = await control.next((m) => m.type === 'signal' && m.topic === `video:${sessionId}`);
    expect(start.data).toMatchObject({ kind: 'start', sessionId });

    const dashboard = await cloud.ws(carer.token);
    expect((await dashboard.subscribe(`video:${sessionId}`)).type).toBe('snapshot');
    control.send({ type: 'signal', topic: `video:${sessionId}`, data: { sdp: 'v=0 offer', type: 'offer' } });
    const offer = await dashboard.next((m) => m.type === 'signal');
    expect(offer.data).toEqual({ sdp: 'v=0 offer', type: 'offer' });
    dashboard.send({
      type: 'signal',
      topic: `video:${sessionId}`,
      data: { sdp: 'v=0 answer', type: 'answer' },
    });
    const answer = await control.next(
      (m) => m.type === 'signal' && (m.data as { type?: string }).type === 'answer',
    );
    expect(answer.data).toEqual({ sdp: 'v=0 answer', type: 'answer' });
    control.close();
    dashboard.close();
  });

  it('keeps a session to the carer who opened it, and refuses signals outside a session', async () => {
    const opened = await cloud.api('POST', `seniors/${seniorId}/video-sessions`, { token: carer.token });
    const other = await cloud.ws(colleague.token);
    const answer = await other.subscribe(`video:${opened.body.sessionId}`);
    expect(answer).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
    other.send({ type: 'signal', topic: `video:${opened.body.sessionId}`, data: { sdp: 'x' } });
    expect(
      (await other.next((m) => m.type === 'error' && m.topic.startsWith('video:') && m !== answer)).data,
    ).toMatchObject({
      code: 'NOT_FOUND',
    });
    other.close();

    const control = await cloud.hubWs(hub.apiKey);
    control.send({ type: 'signal', topic: 'video:00000000-0000-4000-8000-000000000000', data: {} });
    expect((await control.next((m) => m.type === 'error')).data).toMatchObject({ code: 'NOT_FOUND' });
    control.close();
  });
});

import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, pendantAlert, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const TURN_SECRET = 'coturn-static-auth-secret';

describe.each(databaseTargets())('live video signaling on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let carer: Awaited<ReturnType<TestCloud['staff']>>;
  let colleague: Awaited<ReturnType<TestCloud['staff']>>;
  let stranger: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };
  let seq = 0;

  /** A senior of the carer's with a paired hub and, unless told otherwise, nothing going on. */
  async function quietSenior() {
    const id = await cloud.senior(admin.token, 'Quiet Senior');
    await cloud.assign(admin.token, id, carer.id);
    return { id, hub: await cloud.pairHub(admin.token, id) };
  }

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target, {
      env: {
        HEARTH_TURN_URLS: 'turn:turn.example:3478?transport=udp,turns:turn.example:5349',
        HEARTH_TURN_SECRET: TURN_SECRET,
        HEARTH_STUN_URLS: 'stun:turn.example:3478',
        HEARTH_VIDEO_SESSION_SECONDS: '300',
      },
    }));
    admin = await cloud.staff('admin');
    carer = await cloud.staff('staff', 'Carla Carer');
    colleague = await cloud.staff('staff');
    stranger = await cloud.staff('staff');
    seniorId = await cloud.senior(admin.token);
    await cloud.assign(admin.token, seniorId, carer.id);
    await cloud.assign(admin.token, seniorId, colleague.id);
    hub = await cloud.pairHub(admin.token, seniorId);
    // An open alert: the reason staff may look in on this senior.
    await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, ++seq, randomUUID())]);
  });
  afterAll(() => teardown());

  it('opens an audited session during an open alert, with time-limited TURN credentials, and relays SDP both ways', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const opened = await cloud.api('POST', `seniors/${seniorId}/video-sessions`, { token: carer.token });
    expect(opened.status).toBe(201);
    const { sessionId, iceServers, expiresAt, why } = opened.body;
    expect(why).toBe('alert');
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(290_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect(iceServers[0]).toEqual({ urls: ['stun:turn.example:3478'] });
    const turn = iceServers[1];
    expect(turn.urls).toEqual(['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349']);
    const [expiry, user] = turn.username.split(':');
    expect(user).toBe(carer.id);
    // coturn's REST credentials live five to ten minutes.
    const ttl = Number(expiry) - Date.now() / 1000;
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
    const [audit] = await cloud.sql`select details, outcome from audit_log
      where action = 'video.session' and actor_id = ${carer.id} and outcome = 'ok'`;
    expect(audit?.details).toMatchObject({ sessionId, why: 'alert' });

    // The hub is told to start, with credentials of its own, the expiry and who is watching.
    const start = await control.next((m) => m.type === 'signal' && m.topic === `video:${sessionId}`);
    expect(start.data).toMatchObject({ kind: 'start', sessionId, expiresAt, viewerName: 'Carla Carer' });
    expect((start.data as { iceServers: { username?: string }[] }).iceServers[1]?.username).toMatch(
      new RegExp(`^\\d+:hub-${seniorId}$`),
    );

    const dashboard = await cloud.ws(carer.token);
    expect((await dashboard.subscribe(`video:${sessionId}`)).type).toBe('snapshot');
    control.send({ type: 'signal', topic: `video:${sessionId}`, data: { kind: 'offer', sdp: 'v=0 offer' } });
    const offer = await dashboard.next((m) => m.type === 'signal');
    expect(offer.data).toEqual({ kind: 'offer', sdp: 'v=0 offer' });
    dashboard.send({
      type: 'signal',
      topic: `video:${sessionId}`,
      data: { kind: 'answer', sdp: 'v=0 answer' },
    });
    const answer = await control.next(
      (m) => m.type === 'signal' && (m.data as { kind?: string }).kind === 'answer',
    );
    expect(answer.data).toEqual({ kind: 'answer', sdp: 'v=0 answer' });

    // The hub names the path and later the end: both shown to staff and kept in the audit log.
    control.send({
      type: 'signal',
      topic: `video:${sessionId}`,
      data: { kind: 'connected', candidateType: 'relay' },
    });
    expect((await dashboard.next((m) => m.type === 'signal' && m !== offer)).data).toEqual({
      kind: 'connected',
      candidateType: 'relay',
    });
    control.send({
      type: 'signal',
      topic: `video:${sessionId}`,
      data: { kind: 'ended', reason: 'the viewer said bye', seconds: 42.5 },
    });
    await dashboard.next((m) => m.type === 'signal' && (m.data as { kind?: string }).kind === 'ended');
    const [row] =
      await cloud.sql`select candidate_type, ended_at, ended_reason from video_sessions where id = ${sessionId}`;
    expect(row).toMatchObject({ candidate_type: 'relay', ended_reason: 'the viewer said bye' });
    expect(row?.ended_at).not.toBeNull();
    const [end] = await cloud.sql`select actor_id, target_id, details from audit_log
      where action = 'video.session.end' and details->>'sessionId' = ${sessionId}`;
    expect(end).toMatchObject({
      actor_id: carer.id,
      target_id: seniorId,
      details: {
        why: 'alert',
        candidateType: 'relay',
        watchedSeconds: 42.5,
        endedBecause: 'the viewer said bye',
      },
    });
    // An ended session relays nothing more.
    control.send({
      type: 'signal',
      topic: `video:${sessionId}`,
      data: { kind: 'candidate', candidate: 'x', mid: '0' },
    });
    expect((await control.next((m) => m.type === 'error')).data).toMatchObject({ code: 'NOT_FOUND' });
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
    ).toMatchObject({ code: 'NOT_FOUND' });
    other.close();

    const control = await cloud.hubWs(hub.apiKey);
    control.send({ type: 'signal', topic: 'video:00000000-0000-4000-8000-000000000000', data: {} });
    expect((await control.next((m) => m.type === 'error')).data).toMatchObject({ code: 'NOT_FOUND' });
    control.close();
  });

  it('answers 404 to staff not assigned to the senior, exactly as for a senior that does not exist', async () => {
    const foreign = await cloud.api('POST', `seniors/${seniorId}/video-sessions`, { token: stranger.token });
    const absent = await cloud.api('POST', `seniors/${randomUUID()}/video-sessions`, {
      token: stranger.token,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(absent.body);
    const [denied] = await cloud.sql`select outcome from audit_log
      where action = 'video.session' and actor_id = ${stranger.id} and target_id = ${seniorId}`;
    expect(denied?.outcome).toBe('denied');
    const consent = await cloud.api('PUT', `seniors/${seniorId}/video-consent`, {
      token: stranger.token,
      body: { consent: true },
    });
    expect(consent.status).toBe(404);
  });

  it('refuses a session without an alert, a safety check or consent, and opens one for each of them', async () => {
    const quiet = await quietSenior();
    const refused = await cloud.api('POST', `seniors/${quiet.id}/video-sessions`, { token: carer.token });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'PRIVACY' } });
    expect(refused.body.error.message).toMatch(/private/);
    expect(await cloud.sql`select 1 from video_sessions where senior_id = ${quiet.id}`).toHaveLength(0);

    // A safety check in progress opens it (asked while the hub is connected).
    const control = await cloud.hubWs(quiet.hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const check = await cloud.api('POST', `seniors/${quiet.id}/safety-checks`, {
      token: carer.token,
      body: {},
    });
    expect(check.status).toBe(202);
    control.close();
    const during = await cloud.api('POST', `seniors/${quiet.id}/video-sessions`, { token: carer.token });
    expect(during.status).toBe(201);
    expect(during.body.why).toBe('safety_check');
    await cloud.sql`update safety_checks set status = 'done' where id = ${check.body.id}`;
    expect(
      (await cloud.api('POST', `seniors/${quiet.id}/video-sessions`, { token: carer.token })).status,
    ).toBe(403);

    // Only an admin records consent; then check-in video is allowed.
    const byCarer = await cloud.api('PUT', `seniors/${quiet.id}/video-consent`, {
      token: carer.token,
      body: { consent: true },
    });
    expect(byCarer.status).toBe(403);
    const bad = await cloud.api('PUT', `seniors/${quiet.id}/video-consent`, {
      token: admin.token,
      body: { consent: 'yes' },
    });
    expect(bad.status).toBe(400);
    const given = await cloud.api('PUT', `seniors/${quiet.id}/video-consent`, {
      token: admin.token,
      body: { consent: true },
    });
    expect(given.status).toBe(200);
    const checkIn = await cloud.api('POST', `seniors/${quiet.id}/video-sessions`, { token: carer.token });
    expect(checkIn.status).toBe(201);
    expect(checkIn.body.why).toBe('consent');
  });

  it('says there is no camera when no hub is paired', async () => {
    const lonely = await cloud.senior(admin.token, 'No Hub Yet');
    await cloud.assign(admin.token, lonely, carer.id);
    await cloud.api('PUT', `seniors/${lonely}/video-consent`, {
      token: admin.token,
      body: { consent: true },
    });
    const opened = await cloud.api('POST', `seniors/${lonely}/video-sessions`, { token: carer.token });
    expect(opened.status).toBe(409);
    expect(opened.body.error.code).toBe('HUB_OFFLINE');
  });

  it('hands the dashboard what the hub said before it subscribed, in order, and only to the viewer who opened it', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const opened = await cloud.api('POST', `seniors/${seniorId}/video-sessions`, { token: carer.token });
    const topic = `video:${opened.body.sessionId}`;
    await control.next((m) => m.type === 'signal' && m.topic === topic);
    // A hub whose camera already runs offers at once, before the dashboard that asked has subscribed.
    control.send({ type: 'signal', topic, data: { kind: 'offer', sdp: 'v=0 early' } });
    control.send({ type: 'signal', topic, data: { kind: 'connected', candidateType: 'host' } });
    await expect
      .poll(
        async () =>
          (await cloud.sql`select candidate_type from video_sessions where id = ${opened.body.sessionId}`)[0]
            ?.candidate_type,
      )
      .toBe('host');

    const other = await cloud.ws(colleague.token);
    expect(await other.subscribe(topic)).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
    other.close();
    const dashboard = await cloud.ws(carer.token);
    expect((await dashboard.subscribe(topic)).type).toBe('snapshot');
    const offer = await dashboard.next((m) => m.type === 'signal');
    expect(offer.data).toEqual({ kind: 'offer', sdp: 'v=0 early' });
    expect((await dashboard.next((m) => m.type === 'signal' && m !== offer)).data).toEqual({
      kind: 'connected',
      candidateType: 'host',
    });
    dashboard.close();
    control.close();
  });

  it('lets a session expire: no more signaling, except the hub saying it ended', async () => {
    const control = await cloud.hubWs(hub.apiKey);
    await control.next((m) => m.topic === 'hello');
    const opened = await cloud.api('POST', `seniors/${seniorId}/video-sessions`, { token: carer.token });
    const { sessionId } = opened.body;
    const dashboard = await cloud.ws(carer.token);
    expect((await dashboard.subscribe(`video:${sessionId}`)).type).toBe('snapshot');
    // Time passes: the session's end is now behind it.
    await cloud.sql`update video_sessions set expires_at = now() - interval '1 second' where id = ${sessionId}`;

    const late = await cloud.ws(carer.token);
    expect(await late.subscribe(`video:${sessionId}`)).toMatchObject({
      type: 'error',
      data: { code: 'NOT_FOUND' },
    });
    late.close();
    control.send({ type: 'signal', topic: `video:${sessionId}`, data: { kind: 'offer', sdp: 'v=0 late' } });
    expect((await control.next((m) => m.type === 'error')).data).toMatchObject({ code: 'NOT_FOUND' });
    control.send({
      type: 'signal',
      topic: `video:${sessionId}`,
      data: { kind: 'ended', reason: 'the session reached its time limit', seconds: 300 },
    });
    expect((await dashboard.next((m) => m.type === 'signal')).data).toMatchObject({ kind: 'ended' });
    const [row] = await cloud.sql`select ended_reason from video_sessions where id = ${sessionId}`;
    expect(row?.ended_reason).toBe('the session reached its time limit');
    control.close();
    dashboard.close();
  });
});

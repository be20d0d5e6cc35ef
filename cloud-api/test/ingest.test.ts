import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, type Loose, pendantAlert, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

describe.each(databaseTargets())('hub event ingest on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: { token: string };
  let seniorId: string;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    seniorId = await cloud.senior(admin.token);
  });
  afterAll(() => teardown());

  it('stores each (hub, seq) once and acknowledges through the highest contiguous seq', async () => {
    const hub = await cloud.pairHub(admin.token, seniorId);
    const first = await cloud.upload(
      hub.apiKey,
      [1, 2, 3].map((s) => reading(hub.hubId, s)),
    );
    expect(first).toMatchObject({ status: 200, body: { ackedThroughSeq: 3 } });

    // The same batch again (the hub never heard the answer): nothing new, same acknowledgement.
    const again = await cloud.upload(
      hub.apiKey,
      [1, 2, 3].map((s) => reading(hub.hubId, s)),
    );
    expect(again.body).toEqual({ ackedThroughSeq: 3 });
    expect(await cloud.storedSeqs(hub.hubId)).toEqual([1, 2, 3]);

    // A gap: 4 is missing, so the cloud holds 5 and 6 but acknowledges only through 3.
    const gap = await cloud.upload(
      hub.apiKey,
      [5, 6].map((s) => reading(hub.hubId, s)),
    );
    expect(gap.body).toEqual({ ackedThroughSeq: 3 });

    // 4 arrives (with a duplicate of 5 and a repeat inside the batch): the cursor jumps to 6.
    const fill = await cloud.upload(
      hub.apiKey,
      [4, 4, 5].map((s) => reading(hub.hubId, s)),
    );
    expect(fill.body).toEqual({ ackedThroughSeq: 6 });
    expect(await cloud.storedSeqs(hub.hubId)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts a plain (not gzipped) body too and keeps the reading values', async () => {
    const hub = await cloud.pairHub(admin.token, seniorId);
    const events = [
      reading(hub.hubId, 1, { kind: 'temperature', sensorId: 't-bath', value: 21.5 }),
      reading(hub.hubId, 2, { kind: 'contact', sensorId: 'door', value: 'open', clockUnsynced: true }),
    ];
    const res = await cloud.upload(hub.apiKey, events, { gzip: false });
    expect(res.body).toEqual({ ackedThroughSeq: 2 });
    const rows = await cloud.sql<{ value: unknown; clock_unsynced: boolean; senior_id: string }[]>`
      select value, clock_unsynced, senior_id from sensor_events where hub_id = ${hub.hubId} order by seq`;
    expect(rows.map((r) => r.value)).toEqual([21.5, 'open']);
    expect(rows.map((r) => r.clock_unsynced)).toEqual([false, true]);
    expect(rows.every((r) => r.senior_id === seniorId)).toBe(true);
  });

  it('keeps text exactly as sent, whatever characters the bulk write format treats specially', async () => {
    const hub = await cloud.pairHub(admin.token, seniorId);
    const awkward = [
      'tab\there',
      'line\nbreak\r\n',
      'back\\slash',
      '\\N',
      '\\.',
      'quote"s, {braces}',
      'ok 😀',
    ];
    const events = awkward.map((s, i) =>
      reading(hub.hubId, i + 1, {
        sensorId: s,
        room: s,
        bootId: s,
        value: s,
        ts: '2026-11-22T03:00:00.5+05:30',
      }),
    );
    expect((await cloud.upload(hub.apiKey, events)).body).toEqual({ ackedThroughSeq: awkward.length });
    const rows = await cloud.sql<
      { sensor_id: string; room: string; boot_id: string; value: unknown; ts: Date }[]
    >`
      select sensor_id, room, boot_id, value, ts from sensor_events where hub_id = ${hub.hubId} order by seq`;
    expect(rows.map((r) => [r.sensor_id, r.room, r.boot_id, r.value])).toEqual(
      awkward.map((s) => [s, s, s, s]),
    );
    expect(rows.every((r) => r.ts.toISOString() === '2026-11-21T21:30:00.500Z')).toBe(true);
  });

  it('stores each seq once when uploads of one hub overlap and arrive at once', async () => {
    const hub = await cloud.pairHub(admin.token, seniorId);
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => reading(hub.hubId, from + i));
    // The upper half may commit first (held above a gap), the overlap arrives twice.
    const answers = await Promise.all([
      cloud.upload(hub.apiKey, range(301, 600)),
      cloud.upload(hub.apiKey, range(1, 400)),
      cloud.upload(hub.apiKey, range(250, 350)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const final = await cloud.upload(hub.apiKey, range(600, 600));
    expect(final.body).toEqual({ ackedThroughSeq: 600 });
    expect(await cloud.storedSeqs(hub.hubId)).toEqual(range(1, 600).map((e) => e.seq));
  });

  it('records an alert event once, however often the batch is resent', async () => {
    const hub = await cloud.pairHub(admin.token, seniorId);
    const alertId = randomUUID();
    for (let i = 0; i < 3; i++) {
      const res = await cloud.upload(hub.apiKey, [pendantAlert(hub.hubId, 1, alertId)]);
      expect(res.body).toEqual({ ackedThroughSeq: 1 });
    }
    const rows = await cloud.sql`select kind, severity, source from alerts where hub_id = ${hub.hubId}`;
    expect(rows).toEqual([{ kind: 'pendant_pressed', severity: 'critical', source: 'button' }]);
  });

  describe('refuses bad uploads with a clear error and stores nothing', () => {
    let hub: { hubId: string; apiKey: string };
    beforeAll(async () => {
      hub = await cloud.pairHub(admin.token, seniorId);
    });

    const cases: [string, () => Promise<{ status: number; body: Loose }>, number, string][] = [
      [
        'malformed JSON',
        () => cloud.api('POST', 'hub/events', { token: hub.apiKey, body: '{"events": [' }),
        400,
        'MALFORMED_JSON',
      ],
      [
        'malformed gzipped JSON',
        () =>
          cloud.api('POST', 'hub/events', {
            token: hub.apiKey,
            body: gzipSync('{"events":'),
            headers: { 'content-encoding': 'gzip' },
          }),
        400,
        'MALFORMED_JSON',
      ],
      [
        'a body that is not gzip though it says so',
        () =>
          cloud.api('POST', 'hub/events', {
            token: hub.apiKey,
            body: '{"events":[]}',
            headers: { 'content-encoding': 'gzip' },
          }),
        400,
        'BAD_REQUEST',
      ],
      [
        'wrong types',
        () => cloud.upload(hub.apiKey, [{ ...reading(hub.hubId, 1), seq: 'one', value: { nested: true } }]),
        400,
        'VALIDATION_FAILED',
      ],
      ['an empty batch', () => cloud.upload(hub.apiKey, []), 400, 'VALIDATION_FAILED'],
      [
        'an alert event without its alert',
        () => cloud.upload(hub.apiKey, [reading(hub.hubId, 1, { kind: 'alert' })]),
        400,
        'VALIDATION_FAILED',
      ],
      [
        "another hub's events",
        () => cloud.upload(hub.apiKey, [reading(hub.hubId, 1), reading(randomUUID(), 2)]),
        403,
        'HUB_MISMATCH',
      ],
      [
        'an unknown hub key',
        () => cloud.upload(`hk_0123456789ab_${'x'.repeat(43)}`, [reading(hub.hubId, 1)]),
        401,
        'UNAUTHENTICATED',
      ],
      [
        'no key at all',
        () => cloud.api('POST', 'hub/events', { body: { events: [reading(hub.hubId, 1)] } }),
        401,
        'UNAUTHENTICATED',
      ],
      [
        'a different protocol version',
        () =>
          cloud.api('POST', 'hub/events', {
            token: hub.apiKey,
            body: { events: [reading(hub.hubId, 1)] },
            headers: { 'hearth-protocol': '99' },
          }),
        400,
        'PROTOCOL_MISMATCH',
      ],
      [
        'a body that is not JSON',
        () =>
          cloud.api('POST', 'hub/events', {
            token: hub.apiKey,
            body: 'seq=1',
            headers: { 'content-type': 'text/plain' },
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
    ];

    it.each(cases)('%s', async (_name, send, status, code) => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(/\w/);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
      expect(await cloud.storedSeqs(hub.hubId)).toEqual([]);
    });

    it('names the offending field paths', async () => {
      const res = await cloud.upload(hub.apiKey, [
        reading(hub.hubId, 1),
        { ...reading(hub.hubId, 2), seq: -1 },
      ]);
      expect(res.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'events.1.seq' }));
    });

    it('refuses an oversized body, and a gzip bomb, by their size', async () => {
      const limit = cloud.config.maxBodyBytes;
      const big = cloud.upload(
        hub.apiKey,
        { events: [reading(hub.hubId, 1)], pad: 'x'.repeat(limit + 10) },
        { gzip: false },
      );
      expect((await big).status).toBe(413);
      // Compresses to a few kB but inflates past the limit.
      const bomb = await cloud.upload(hub.apiKey, {
        events: [reading(hub.hubId, 1)],
        pad: ' '.repeat(limit * 2),
      });
      expect(bomb.status).toBe(413);
      expect(bomb.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await cloud.storedSeqs(hub.hubId)).toEqual([]);
    });

    it('refuses a revoked hub at once', async () => {
      const revoked = await cloud.pairHub(admin.token, seniorId);
      const del = await cloud.api('DELETE', `hubs/${revoked.hubId}`, { token: admin.token });
      expect(del.status).toBe(204);
      const res = await cloud.upload(revoked.apiKey, [reading(revoked.hubId, 1)]);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('HUB_REVOKED');
      expect(await cloud.storedSeqs(revoked.hubId)).toEqual([]);
    });
  });
});

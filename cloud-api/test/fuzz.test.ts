// No input wedges a route: arbitrary strings, numbers and nesting thrown at every schema are either
// refused with a 4xx or stored and read back identical, and a fuzzed sweep of every HTTP route
// never answers 5xx.
import { UploadBatch } from '@hearth/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSeniorRequest } from '../src/seniors/schemas.js';
import { cloudOn, type Loose, reading, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const SEED = 20261130;
const RUNS = 25;

/** Strings from all of Unicode, plus the characters that trouble databases, densely. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom('\u0000', '\ud800', '\udfff', 'a', 'é', '😀', ' ', '"', '\\'),
    maxLength: 20,
  }),
);
/** JSON values, sometimes nested far deeper than anything sensible. */
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ k: text, n: fc.double(), v: fc.jsonValue({ maxDepth: 2 }) }),
  fc.integer({ min: 1, max: 3000 }).map((depth) => {
    let v: Loose = 1;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  }),
);
const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: -23, max: 23 }))
    .map(
      ([y, h]) =>
        `${String(y).padStart(4, '0')}-06-01T12:00:00${h < 0 ? '-' : '+'}${String(Math.abs(h)).padStart(2, '0')}:30`,
    ),
  text,
);

describe.each(databaseTargets())('fuzzed input on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let admin: Awaited<ReturnType<TestCloud['staff']>>;
  let seniorId: string;
  let hub: { hubId: string; apiKey: string };

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    admin = await cloud.staff('admin');
    seniorId = await cloud.senior(admin.token);
    hub = await cloud.pairHub(admin.token, seniorId);
  });
  afterAll(() => teardown());

  it('a senior is refused with a 4xx or read back exactly as the schema accepted it', async () => {
    const outcomes = { stored: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.option(text),
        fc.dictionary(text, json, { maxKeys: 3 }),
        async (name, address, healthInfo) => {
          const input = { name, address, healthInfo };
          const res = await cloud.api('POST', 'seniors', { token: admin.token, body: input });
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          if (res.status >= 400) {
            outcomes.refused++;
            return;
          }
          expect(res.status).toBe(201);
          outcomes.stored++;
          const accepted = CreateSeniorRequest.parse(input);
          const back = await cloud.api('GET', `seniors/${res.body.id}`, { token: admin.token });
          expect(back.body).toMatchObject({
            name: accepted.name,
            address: accepted.address ?? null,
            healthInfo: JSON.parse(JSON.stringify(accepted.healthInfo)),
          });
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    // Both branches were exercised, or the property proved little.
    expect(outcomes.stored).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('an uploaded event is refused with a 4xx or stored and read back identical', async () => {
    let seq = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.option(text, { nil: undefined }),
        fc.oneof(text, fc.double(), fc.boolean(), fc.constant(null)),
        timestamp,
        async (sensorId, room, value, ts) => {
          seq++;
          const event = { ...reading(hub.hubId, seq), sensorId, room, value, ts };
          const res = await cloud.upload(hub.apiKey, [event]);
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          if (res.status >= 400) {
            seq--; // Nothing was stored: the next event takes this seq.
            refused++;
            return;
          }
          const accepted = UploadBatch.parse({ events: [event] }).events[0]!;
          const [row] = await cloud.sql<
            { sensor_id: string; room: string | null; value: unknown; ts: Date }[]
          >`
            select sensor_id, room, value, ts from sensor_events where hub_id = ${hub.hubId} and seq = ${seq}`;
          expect(row!.sensor_id).toBe(accepted.sensorId);
          expect(row!.room).toBe(accepted.room ?? null);
          expect(row!.value).toEqual(JSON.parse(JSON.stringify(accepted.value)));
          expect(row!.ts.getTime()).toBe(new Date(accepted.ts).getTime());
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    expect(seq).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('no route answers 5xx, whatever its parameters, query and body', async () => {
    const routes = cloud.cloud.app.routes.filter(
      (r) => r.method !== 'ALL' && !r.path.endsWith('/ws') && r.path !== '/metrics',
    );
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
    expect(unique.length).toBeGreaterThan(30);
    const param = fc.oneof(
      fc.uuid(),
      text.filter((s) => s.length > 0),
      fc.constant('00000000-0000-0000-0000-000000000000'),
    );
    const query = fc.dictionary(
      fc.constantFrom('from', 'to', 'since', 'sensor', 'limit', 'bucket', 'status', 'cursor', 'days'),
      text,
      {
        maxKeys: 3,
      },
    );
    const samples = fc.sample(fc.tuple(param, query, json), { numRuns: 6, seed: SEED });
    const failures: string[] = [];
    for (const route of unique) {
      for (const [p, q, body] of samples) {
        const path = route.path.replace(/:(\w+)/g, () => encodeURIComponent(p));
        const qs = new URLSearchParams(q).toString();
        // A fresh token each time: the sweep may well log itself out.
        const token = route.path.startsWith('/api/v1/hub/')
          ? hub.apiKey
          : await cloud.cloud.deps.tokens.sign({
              id: admin.id,
              role: 'admin',
              sessionVersion: await version(admin.id),
            });
        const res = await cloud.api(route.method, `${path}${qs ? `?${qs}` : ''}`, {
          token,
          ...(route.method !== 'GET' && { body: JSON.stringify(body) }),
          headers: { 'hearth-protocol': '1' },
        });
        if (res.status >= 500)
          failures.push(`${route.method} ${path}?${qs} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  async function version(staffId: string): Promise<number> {
    const [row] = await cloud.sql<
      { v: number }[]
    >`select session_version as v from staff where id = ${staffId}`;
    return row!.v;
  }
});

import { randomUUID } from 'node:crypto';
import { UploadBatch } from '@hearth/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/errors.js';
import { checkUploadBatch, routineBatch } from './batch-check.js';

const hubId = randomUUID();

/** A routine reading as a hub sends it. */
const reading = (seq: number, extra: Record<string, unknown> = {}) => ({
  hubId,
  seq,
  ts: '2026-11-30T10:00:00.123Z',
  sensorId: 'pir-hall',
  kind: 'motion',
  value: true,
  room: 'hall',
  bootId: 'boot-1',
  ...extra,
});

/** Strings that trouble the schema's edges: empty, long, NUL, lone surrogates, pairs, quotes. */
const text = fc.oneof(
  fc.constantFrom('', 'a', 'x'.repeat(64), 'x'.repeat(65), 'y'.repeat(256), 'y'.repeat(257), 'ok 😀'),
  fc.string({
    unit: fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d\ude00', 'a', '\t', '"'),
    maxLength: 6,
  }),
  fc.string({ unit: 'binary', maxLength: 70 }),
);
const anything = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
);
const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+15:59',
    '2026-02-29T00:00:00Z',
    '2028-02-29T00:00:00Z',
    '2026-11-30T10:00:00+16:00',
    '2026-11-30T10:00:00+0100',
    '2026-11-30T10:00:00',
    '2026-11-30 10:00:00Z',
    '2026-11-30T24:00:00Z',
  ),
  text,
);
/** One field of a reading, replaced by something near (or far from) what the schema wants. */
const mutation = fc.oneof(
  fc.record({ hubId: fc.oneof(fc.uuid(), fc.constantFrom(hubId.toUpperCase(), 'not-a-uuid'), text) }),
  fc.record({ seq: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 53, 2 ** 53 - 1, '1')) }),
  fc.record({ ts: timestamp }),
  fc.record({ sensorId: fc.oneof(text, anything) }),
  fc.record({ kind: fc.oneof(fc.constantFrom('motion', 'alert', 'robot', 'smell', 'Motion'), anything) }),
  fc.record({ value: fc.oneof(text, anything, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0)) }),
  fc.record({ room: fc.oneof(text, anything) }),
  fc.record({ bootId: fc.oneof(text, anything) }),
  fc.record({ clockUnsynced: anything }),
  fc.record({ alert: anything }),
  fc.record({ robot: anything }),
  fc.record({ extra: anything }),
);
const event = fc
  .tuple(fc.integer({ min: 1, max: 1e6 }), fc.array(mutation, { maxLength: 3 }))
  .map(([seq, changes]) => Object.assign(reading(seq), ...changes) as Record<string, unknown>);

describe('the quick upload check', () => {
  it('accepts only what the schema accepts, and gives back what the schema gives back', () => {
    let quick = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ events: fc.array(event, { minLength: 0, maxLength: 4 }) }),
          fc.record({ events: anything }),
          anything,
        ),
        (body) => {
          const fast = routineBatch(body);
          if (!fast) return;
          quick++;
          const schema = UploadBatch.safeParse(body);
          expect(schema.success).toBe(true);
          // toEqual: the schema keeps a key given as undefined, which JSON cannot carry anyway.
          expect(fast).toEqual(schema.data);
        },
      ),
      { seed: 20261130, numRuns: 5000 },
    );
    // The comparison above means something only if the quick path was taken often.
    expect(quick).toBeGreaterThan(150);
  });

  it('takes the quick path for any routine reading the schema accepts, with the same result', () => {
    const valid = fc.record(
      {
        hubId: fc.uuid(),
        seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        ts: fc
          .date({ noInvalidDate: true, min: new Date('0001-01-01'), max: new Date('9999-12-31') })
          .map((d) => d.toISOString()),
        sensorId: fc.string({ minLength: 1, maxLength: 64 }),
        kind: fc.constantFrom(
          'motion',
          'contact',
          'pressure',
          'button',
          'temperature',
          'humidity',
          'heartbeat',
          'availability',
        ),
        value: fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
          fc.constant(null),
          fc.string({ maxLength: 256 }),
        ),
        room: fc.string({ minLength: 1, maxLength: 64 }),
        bootId: fc.string({ minLength: 1, maxLength: 64 }),
        clockUnsynced: fc.boolean(),
      },
      { requiredKeys: ['hubId', 'seq', 'ts', 'sensorId', 'kind', 'value'] },
    );
    fc.assert(
      fc.property(fc.array(valid, { minLength: 1, maxLength: 5 }), (events) => {
        expect(routineBatch({ events })).toEqual(UploadBatch.parse({ events }));
      }),
      { seed: 20261130, numRuns: 500 },
    );
  });

  it('takes the quick path for routine readings of every shape a hub sends', () => {
    const batch = {
      events: [
        reading(1),
        reading(2, { kind: 'temperature', value: 21.5, room: undefined, bootId: undefined }),
        reading(3, { kind: 'contact', value: 'open', clockUnsynced: true }),
        reading(4, {
          kind: 'heartbeat',
          sensorId: 'hub',
          value: 'reading_dropped',
          ts: '2026-11-30T11:00:00+01:00',
        }),
        reading(5, { value: null }),
      ],
    };
    expect(routineBatch(batch)).toEqual(UploadBatch.parse(batch));
  });

  it('leaves alerts and robot hops to the schema', () => {
    expect(routineBatch({ events: [reading(1, { kind: 'alert' })] })).toBeUndefined();
    expect(routineBatch({ events: [reading(1), reading(2, { robot: {} })] })).toBeUndefined();
  });

  it('refuses with the schema’s precise answer when the quick check declines', () => {
    const refused = (() => {
      try {
        checkUploadBatch({ events: [reading(1), reading(2, { seq: -1 }), reading(3, { ts: 'soon' })] });
      } catch (error) {
        return error;
      }
    })() as ApiError;
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('VALIDATION_FAILED');
    const paths = (refused.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(new Set(paths)).toEqual(new Set(['events.1.seq', 'events.2.ts']));
  });

  it('refuses an empty or oversized batch', () => {
    expect(() => checkUploadBatch({ events: [] })).toThrow(ApiError);
    const many = Array.from({ length: 1001 }, (_, i) => reading(i + 1));
    expect(() => checkUploadBatch({ events: many })).toThrow(/events/);
    expect(routineBatch({ events: many.slice(0, 1000) })?.events).toHaveLength(1000);
  });
});

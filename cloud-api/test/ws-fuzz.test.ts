// No message wedges a dashboard's socket: arbitrary types, topics, ids and data (deep nesting, NUL,
// lone surrogates, text that is not JSON) sent on /ws are answered with a precise error or ignored,
// never an INTERNAL error, and the connection keeps working afterwards.
import { WsMessageType } from '@hearth/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOn, type TestCloud } from './harness.js';
import { databaseTargets } from './targets.js';

const SEED = 20261130;
/** Below the per-connection burst allowance, so the rate limit is not what answers. */
const MESSAGES = 45;

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', 'a', '😀', ':', '-', '"'), maxLength: 40 }),
);
const deep = fc.integer({ min: 1, max: 3000 }).map((depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
});

describe.each(databaseTargets())('the staff socket under fuzzed messages on $name', (target) => {
  let cloud: TestCloud;
  let teardown: () => Promise<void>;
  let token: string;
  let seniorId: string;

  beforeAll(async () => {
    ({ cloud, teardown } = await cloudOn(target));
    token = (await cloud.staff('admin')).token;
    seniorId = (await cloud.api('POST', 'seniors', { token, body: { name: 'Fuzz' } })).body.id;
  });
  afterAll(() => teardown());

  it('answers every message type without an internal error and stays open', async () => {
    const topic = fc.oneof(
      fc.constantFrom('alerts', 'seniors', 'hubs', 'safety-checks', `senior:${seniorId}`, ''),
      text.map((t) => `senior:${t}`),
      text.map((t) => `video:${t}`),
      text,
    );
    const message = fc.oneof(
      fc
        .record(
          {
            type: fc.oneof(fc.constantFrom(...WsMessageType.options), text),
            topic,
            data: fc.oneof(fc.jsonValue({ maxDepth: 3 }), deep, text),
            id: fc.oneof(text, fc.integer(), fc.double()),
          },
          { requiredKeys: ['type'] },
        )
        .map((m) => JSON.stringify(m)),
      text,
    );
    const ws = await cloud.ws(token);
    try {
      for (const raw of fc.sample(message, { seed: SEED, numRuns: MESSAGES })) ws.socket.send(raw);
      ws.send({ type: 'ping', id: 'still-there' });
      await ws.next((m) => m.type === 'pong' && m.id === 'still-there', 15_000);
      const internal = ws.messages.filter(
        (m) => m.type === 'error' && (m.data as { code?: string } | undefined)?.code === 'INTERNAL',
      );
      expect(internal).toEqual([]);
      // Something was refused with a reason: the sweep reached the validation, not just the parser.
      expect(ws.messages.some((m) => m.type === 'error')).toBe(true);
      expect(ws.closeCode).toBeUndefined();
    } finally {
      ws.close();
    }
  });
});

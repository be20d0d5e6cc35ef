import { setImmediate as tick } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplexPair } from '../test/duplex-pair.js';
import { type DecodedFrame, encodeFrame } from './frame.js';
import { type Delivery, HubLink } from './hub-link.js';
import { FrameParser } from './parser.js';

type Step =
  | { op: 'new'; lose: boolean }
  | { op: 'resend'; pick: number; lose: boolean }
  | { op: 'garbage'; bytes: Uint8Array }
  | { op: 'heartbeat' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('new' as const), lose: fc.boolean() }),
  fc.record({ op: fc.constant('resend' as const), pick: fc.nat(), lose: fc.boolean() }),
  fc.record({ op: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
  fc.constant({ op: 'heartbeat' as const }),
);

describe('HubLink with a misbehaving line', () => {
  it('delivers each reading exactly once however acks are lost, frames resent and noise injected', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(stepArb, { maxLength: 60 }),
        async (start, steps) => {
          const [hubEnd, nodeEnd] = duplexPair();
          const delivered: number[] = [];
          const link = new HubLink({
            stream: hubEnd,
            onMessage: (d: Delivery) => {
              if (d.message.type === 'reading') delivered.push(d.message.value);
            },
          });
          link.start();
          const acked = new Set<number>();
          let loseNext = false;
          const parser = new FrameParser();
          parser.on('data', (f: DecodedFrame) => {
            if (f.message.type !== 'ack') return;
            if (loseNext) loseNext = false;
            else acked.add(f.message.ackSeq);
          });
          nodeEnd.pipe(parser);
          const write = (bytes: Uint8Array) => nodeEnd.write(Buffer.concat([Buffer.of(0), bytes]));

          // The node: hello first (acked before anything else), then numbered readings whose value is their order.
          let seq = start;
          const helloSeq = seq;
          seq = (seq + 1) & 0xffff;
          const hello = {
            type: 'hello' as const,
            nodeId: 'n',
            firmwareVersion: '1',
            bootId: 5,
            uptimeMs: 0,
            heartbeatIntervalMs: 1000,
            sensors: [{ name: 't', kind: 'temperature' as const }],
          };
          write(encodeFrame({ seq: helloSeq, message: hello }));
          await tick();
          expect(acked.has(helloSeq)).toBe(true);

          const unacked = new Map<number, number>(); // seq → value
          const sent = new Set<number>();
          let value = 0;
          for (const step of steps) {
            for (const s of acked) unacked.delete(s);
            if (step.op === 'new' && unacked.size < 8) {
              unacked.set(seq, ++value);
              sent.add(value);
              loseNext = step.lose;
              write(encodeFrame({ seq, message: { type: 'reading', sensor: 0, uptimeMs: 1, value } }));
              seq = (seq + 1) & 0xffff;
            } else if (step.op === 'resend' && unacked.size > 0) {
              const [s, v] = [...unacked.entries()][step.pick % unacked.size]!;
              loseNext = step.lose;
              write(encodeFrame({ seq: s, message: { type: 'reading', sensor: 0, uptimeMs: 1, value: v } }));
            } else if (step.op === 'garbage') {
              write(step.bytes);
            } else if (step.op === 'heartbeat') {
              write(
                encodeFrame({
                  seq,
                  message: { type: 'heartbeat', uptimeMs: 2, pending: unacked.size, dropped: 0 },
                }),
              );
            }
            await tick();
          }
          link.stop();
          expect(new Set(delivered).size).toBe(delivered.length);
          expect(new Set(delivered)).toEqual(sent);
        },
      ),
      { numRuns: 150 },
    );
  });
});

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { FakeClock } from '../clock.js';
import { CredentialsBox } from '../config/credentials-source.js';
import { MemoryHubState } from '../store/hub-state.js';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import type { NewOutboxEntry } from '../store/outbox.js';
import { FaultyCloudLink, MemoryCloud } from './fake-cloud-link.js';
import { Uplink } from './uplink.js';

const log = pino({ level: 'silent' });

/** What can happen between two looks at the uplink. */
const Step = fc.oneof(
  fc.record({ op: fc.constant('readings' as const), count: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('alert' as const) }),
  fc.record({
    op: fc.constant('fail' as const),
    count: fc.integer({ min: 1, max: 3 }),
    status: fc.constantFrom(500, 502, 503, 429),
  }),
  fc.record({ op: fc.constant('reset' as const) }),
  fc.record({ op: fc.constant('quota' as const), keep: fc.integer({ min: 5, max: 60 }) }),
  fc.record({ op: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
);

describe('Uplink under any mix of readings, alerts, failures, lost answers and quota drops', () => {
  it("ends with the cloud holding every seq exactly once: the hub's own entries as committed, markers for dropped ones", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Step, { minLength: 1, maxLength: 25 }), async (steps) => {
        // The in-memory cloud keeps the same contract as the real one (uplink.test.ts runs on both).
        const memory = new MemoryCloud();
        const hub = memory.addHub();
        const cloud = new FaultyCloudLink(memory);
        const clock = new FakeClock();
        const store = new MemoryOutboxStore();
        const uplink = new Uplink({
          store,
          settings: new MemoryHubState().settings,
          link: cloud,
          clock,
          log,
          credentials: new CredentialsBox({
            cloudUrl: 'http://cloud.test',
            hubId: hub.hubId,
            apiKey: hub.apiKey,
          }),
          batchSize: 17,
          backoff: { initialMs: 100, maxMs: 2000 },
          idlePollMs: 1000,
          lingerMs: 200,
          random: () => 0.5,
        });
        const committed = new Map<number, NewOutboxEntry>();
        const record = (entries: NewOutboxEntry[], urgent: boolean) => {
          for (const e of store.append(entries)) committed.set(e.seq, e);
          uplink.kick(urgent);
        };
        await uplink.start();
        try {
          for (const step of steps) {
            if (step.op === 'readings') {
              record(
                Array.from({ length: step.count }, (_, i) => ({
                  ts: clock.now() + i,
                  sensorId: 'pir',
                  kind: 'motion' as const,
                  value: true,
                })),
                false,
              );
            } else if (step.op === 'alert') {
              record(
                [
                  {
                    ts: clock.now(),
                    sensorId: 'hub',
                    kind: 'alert',
                    value: null,
                    alert: {
                      alertId: randomUUID(),
                      kind: 'pendant_pressed',
                      severity: 'critical',
                      source: 'button',
                      message: 'Help.',
                      evidence: [],
                    },
                  },
                ],
                true,
              );
            } else if (step.op === 'fail') cloud.fail(step.count, step.status);
            else if (step.op === 'reset') cloud.resetAfterCommit(1);
            else if (step.op === 'quota') store.enforceQuota(step.keep);
            else clock.advance(step.ms);
            await new Promise((r) => setTimeout(r, 2));
          }
          await eventually(() => store.ackedThroughSeq() === store.lastSeq(), {
            clock,
            stepMs: 500,
            rounds: 2000,
          });
        } finally {
          await uplink.stop();
        }
        expect(hub.conflicts).toEqual([]);
        const held = [...hub.events.keys()].sort((a, b) => a - b);
        expect(held).toEqual(Array.from({ length: store.lastSeq() }, (_, i) => i + 1));
        const alertsHeld = [...hub.events.values()].filter((e) => e.alert).map((e) => e.alert!.alertId);
        const alertsCommitted = [...committed.values()].filter((e) => e.alert).map((e) => e.alert!.alertId);
        // Alerts are never dropped: every one committed is held, once.
        expect(alertsHeld.sort()).toEqual(alertsCommitted.sort());
        for (const [seq, event] of hub.events) {
          if (event.value === 'reading_dropped') continue;
          expect(event.sensorId).toBe(committed.get(seq)!.sensorId);
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

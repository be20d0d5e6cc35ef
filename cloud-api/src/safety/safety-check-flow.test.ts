import type { SafetyCheck } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { needsPerson } from './safety-check-flow.js';
import { nextHopSeconds } from './safety-check-store.js';

const check = (over: Partial<SafetyCheck>): SafetyCheck => ({
  id: '3f0e1d2c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  seniorId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  requestedBy: null,
  status: 'requested',
  outcome: null,
  detail: null,
  createdAt: 'then',
  updatedAt: 'now',
  ...over,
});

describe('what a safety check asks of people', () => {
  it('asks for a person when it ended without the senior known to be safe, and only then', () => {
    expect(needsPerson(check({ status: 'undelivered', reason: 'robot_no_answer' }))).toBe(
      'Safety check undelivered: the robot did not answer. Send a person.',
    );
    expect(needsPerson(check({ status: 'undelivered', reason: 'hub_offline' }))).toMatch(/hub is offline/);
    expect(needsPerson(check({ status: 'failed', detail: 'the robot refused: battery low' }))).toMatch(
      /battery low.*Send a person/,
    );
    expect(needsPerson(check({ status: 'done', outcome: 'needs_help', room: 'bathroom' }))).toBe(
      'Safety check: the robot found that the senior needs help in the bathroom.',
    );
    for (const quiet of [
      check({ status: 'done', outcome: 'ok' }),
      check({ status: 'failed', detail: 'no robot is paired with this hub' }),
      check({ status: 'requested' }),
      check({ status: 'progress', stage: 'moving' }),
    ])
      expect(needsPerson(quiet)).toBeUndefined();
  });

  it('gives each open hop its own deadline, and a closed check none', () => {
    const d = { deliverSeconds: 1, sendSeconds: 2, ackSeconds: 3, resultSeconds: 4 };
    expect(
      (['requested', 'delivered', 'sent', 'acknowledged', 'progress', 'accepted', 'running'] as const).map(
        (s) => nextHopSeconds(s, d),
      ),
    ).toEqual([1, 2, 3, 4, 4, 4, 4]);
    for (const s of ['done', 'undelivered', 'failed'] as const) expect(nextHopSeconds(s, d)).toBeNull();
  });
});

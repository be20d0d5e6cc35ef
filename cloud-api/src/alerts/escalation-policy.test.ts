import { describe, expect, it } from 'vitest';
import { isRung, MAX_ESCALATION_LEVEL, rungAt } from './escalation-policy.js';

const everyone = new Set(['primary', 'second', 'third', 'x', 'admin-a', 'admin-b']);
const audience = { carers: ['primary', 'second', 'third'], admins: ['admin-a', 'admin-b'], onDuty: everyone };

describe('escalation policy', () => {
  it('rings the primary carer at level 0, every carer at level 1, the admins at level 2', () => {
    expect(rungAt(0, audience)).toEqual(['primary']);
    expect(rungAt(1, audience)).toEqual(['primary', 'second', 'third']);
    expect(rungAt(2, audience)).toEqual(['admin-a', 'admin-b']);
  });

  it('keeps levels beyond the last at the admins, and below 0 at the primary carer', () => {
    expect(rungAt(MAX_ESCALATION_LEVEL + 3, audience)).toEqual(['admin-a', 'admin-b']);
    expect(rungAt(-1, audience)).toEqual(['primary']);
  });

  it('rings the admins at once for a senior nobody looks after', () => {
    expect(rungAt(0, { carers: [], admins: ['admin-a'], onDuty: everyone })).toEqual(['admin-a']);
    expect(rungAt(1, { carers: [], admins: ['admin-a'], onDuty: everyone })).toEqual(['admin-a']);
    expect(rungAt(0, { carers: [], admins: [], onDuty: everyone })).toEqual([]);
  });

  it('rings an admin who is also a carer once', () => {
    expect(rungAt(1, { carers: ['x', 'x'], admins: [], onDuty: everyone })).toEqual(['x']);
  });

  it('rings only for an open alert', () => {
    expect(isRung('second', { status: 'open', level: 0 }, audience)).toBe(false);
    expect(isRung('second', { status: 'open', level: 1 }, audience)).toBe(true);
    expect(isRung('primary', { status: 'open', level: 2 }, audience)).toBe(false);
    expect(isRung('admin-b', { status: 'open', level: 2 }, audience)).toBe(true);
    expect(isRung('primary', { status: 'acknowledged', level: 0 }, audience)).toBe(false);
  });
});

describe('escalation policy with shifts', () => {
  const shifts = (...ids: string[]) => ({ ...audience, onDuty: new Set(ids) });

  it('rings the first carer on duty when the primary carer is off shift, and only carers on duty after', () => {
    expect(rungAt(0, shifts('second', 'third'))).toEqual(['second']);
    expect(rungAt(1, shifts('primary', 'third'))).toEqual(['primary', 'third']);
    expect(rungAt(2, shifts('primary'))).toEqual(['admin-a', 'admin-b']);
  });

  it('goes straight to the admins when no carer of the senior is on duty', () => {
    expect(rungAt(0, shifts())).toEqual(['admin-a', 'admin-b']);
    expect(rungAt(1, shifts('admin-a'))).toEqual(['admin-a', 'admin-b']);
  });

  it('rings the admins whether or not they started a shift', () => {
    expect(rungAt(2, shifts('primary', 'second'))).toEqual(['admin-a', 'admin-b']);
    expect(isRung('admin-a', { status: 'open', level: 2 }, shifts())).toBe(true);
  });

  it('keeps the primary carer on duty at level 0 even when carers before them in order are off', () => {
    expect(rungAt(0, shifts('third'))).toEqual(['third']);
    expect(rungAt(1, shifts('third'))).toEqual(['third']);
    expect(isRung('primary', { status: 'open', level: 0 }, shifts('third'))).toBe(false);
  });

  it('does not ring a carer off duty even when the alert is at their level', () => {
    expect(isRung('second', { status: 'open', level: 1 }, shifts('primary'))).toBe(false);
    expect(isRung('primary', { status: 'open', level: 1 }, shifts('primary'))).toBe(true);
  });
});

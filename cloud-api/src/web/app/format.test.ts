import { describe, expect, it } from 'vitest';
import { alertOrder, boardStatus, countdown, escalationText, occurrences, repeatsText } from './format.js';
import { type LiveAlert, Model } from './model.js';

const T0 = Date.parse('2026-11-30T16:00:00Z');
let n = 0;
function alert(over: Partial<LiveAlert> = {}): LiveAlert {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    seniorId: 'senior-1',
    hubId: null,
    kind: 'pendant_pressed',
    severity: 'critical',
    source: 'button',
    status: 'open',
    message: 'The help button was pressed.',
    evidence: [],
    occurredAt: new Date(T0).toISOString(),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
    cursor: n,
    ...over,
  };
}

describe('the alert inbox order', () => {
  it('puts open before acknowledged, then the most severe, then the newest', () => {
    const oldCritical = alert({ occurredAt: new Date(T0 - 60_000).toISOString() });
    const newWarning = alert({ severity: 'warning' });
    const newCritical = alert();
    const taken = alert({ status: 'acknowledged', occurredAt: new Date(T0 + 60_000).toISOString() });
    const sorted = [taken, newWarning, oldCritical, newCritical].sort(alertOrder);
    expect(sorted).toEqual([newCritical, oldCritical, newWarning, taken]);
  });
});

describe('repeats folded into an alert', () => {
  it('counts each hub alert once and names the last press', () => {
    const a = alert({
      evidence: [
        { hubAlertId: 'a', ts: '2026-11-30T16:21:00.000Z' },
        { hubAlertId: 'b', ts: '2026-11-30T16:10:00.000Z' },
        { hubAlertId: 'c', ts: '2026-11-30T16:05:00.000Z' },
        { hubAlertId: 'd', ts: '2026-11-30T16:00:00.000Z' },
      ],
    });
    expect(occurrences(a)).toEqual({ count: 4, last: '2026-11-30T16:21:00.000Z' });
    expect(repeatsText(a)).toMatch(/^Pressed 4 times, last \d\d:21$/);
    expect(repeatsText(alert({ evidence: [{ hubAlertId: 'a' }] }))).toBeUndefined();
  });
});

describe('the escalation countdown', () => {
  it('counts down to every carer, then to admins, from when the tab heard of it', () => {
    const a = alert({ seenAt: T0 });
    expect(escalationText(a, 300, T0 + 47_000)).toBe('All carers in 4:13');
    expect(escalationText(a, 300, T0 + 310_000)).toBe('All carers told · admins in 4:50');
    expect(escalationText(a, 300, T0 + 700_000)).toBe('Admins told');
    expect(escalationText({ ...a, status: 'acknowledged' }, 300, T0)).toBeUndefined();
  });

  it('never counts from a hub clock that runs ahead', () => {
    const ahead = alert({ occurredAt: new Date(T0 + 90_000).toISOString() });
    expect(escalationText(ahead, 300, T0)).toBe('All carers in 5:00');
  });

  it('follows an escalation step the cloud pushed', () => {
    const a = alert({
      seenAt: T0,
      escalation: { level: 1, notifiedStaff: [], at: new Date(T0 + 302_000).toISOString() },
    });
    expect(escalationText(a, 300, T0 + 303_000)).toBe('All carers told · admins in 4:59');
  });

  it('formats hours too', () => expect(countdown(3_725_000)).toBe('1:02:05'));
});

describe('one status per senior on the board', () => {
  function model() {
    const m = new Model();
    m.hubs.set('hub-1', {
      id: 'hub-1',
      seniorId: 'senior-1',
      status: 'active',
      lastSeenAt: new Date(T0).toISOString(),
    });
    return m;
  }

  it('is ok with a live hub and nothing open', () => {
    expect(boardStatus(model(), 'senior-1', T0 + 1000)).toEqual({ kind: 'ok' });
  });

  it('says the hub is offline, and since when, when its control channel closed', () => {
    const m = model();
    m.hubs.get('hub-1')!.online = false;
    expect(boardStatus(m, 'senior-1', T0 + 1000)).toEqual({
      kind: 'hub-offline',
      since: new Date(T0).toISOString(),
    });
  });

  it('counts a hub silent for ten minutes as offline when nothing said it closed', () => {
    expect(boardStatus(model(), 'senior-1', T0 + 11 * 60_000).kind).toBe('hub-offline');
  });

  it('puts an open alert first, and a device fault below a dead hub', () => {
    const m = model();
    const device = alert({ source: 'device', severity: 'warning', kind: 'sensor_silent' });
    m.alerts.set(device.id, device);
    expect(boardStatus(m, 'senior-1', T0 + 1000).kind).toBe('device');
    m.hubs.get('hub-1')!.online = false;
    expect(boardStatus(m, 'senior-1', T0 + 1000).kind).toBe('hub-offline');
    const help = alert();
    m.alerts.set(help.id, help);
    expect(boardStatus(m, 'senior-1', T0 + 1000)).toEqual({ kind: 'alert', severity: 'critical' });
  });

  it('says when no hub is paired', () => {
    expect(boardStatus(new Model(), 'senior-1', T0)).toEqual({ kind: 'no-hub' });
  });
});

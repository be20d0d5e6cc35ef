import { describe, expect, it } from 'vitest';
import type { HubAlertRecord } from '../alerts/alert-ledger.js';
import { handledBy } from './status.js';

const record = (over: Partial<HubAlertRecord>): HubAlertRecord => ({
  alertId: 'a1',
  cloudAlertId: 'c1',
  kind: 'pendant_pressed',
  severity: 'critical',
  raisedAt: '2026-01-01T00:00:00.000Z',
  status: 'acknowledged',
  acknowledgedBy: '5b0c4a52-8d1e-4c55-9a43-1f0e7f1d2a11',
  acknowledgedAt: '2026-01-01T00:01:00.000Z',
  resolvedBy: null,
  resolvedAt: null,
  resolutionNote: null,
  ...over,
});

describe('who has the alert, in hearth status', () => {
  it('names the carer who acknowledged it', () => {
    expect(handledBy(record({ acknowledgedByName: 'Nina Carer' }))).toBe('Nina Carer');
  });

  it('names the one who resolved a resolved alert', () => {
    expect(
      handledBy(
        record({
          status: 'resolved',
          acknowledgedByName: 'Nina Carer',
          resolvedBy: '0c2f4f7e-1111-4c55-9a43-1f0e7f1d2a11',
          resolvedByName: 'Sam Admin',
        }),
      ),
    ).toBe('Sam Admin');
  });

  it('falls back to a short id when the cloud sent no name', () => {
    expect(handledBy(record({}))).toBe('staff 5b0c4a52');
  });
});

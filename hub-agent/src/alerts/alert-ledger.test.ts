import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, RaisedAlert } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { MemoryHubState } from '../store/hub-state.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { AlertLedger } from './alert-ledger.js';

const raised = (kind = 'pendant_pressed'): RaisedAlert => ({
  alertId: randomUUID(),
  kind,
  severity: 'critical',
  source: 'button',
  message: 'pendant pressed',
  evidence: [{ sensorId: 'pendant' }],
});

/** The cloud's alert covering the hub alerts `hubAlertIds`, as the control channel carries it. */
const cloudAlert = (hubAlertIds: string[], patch: Partial<Alert> = {}): Alert => ({
  id: randomUUID(),
  seniorId: randomUUID(),
  hubId: randomUUID(),
  kind: 'pendant_pressed',
  severity: 'critical',
  source: 'button',
  status: 'acknowledged',
  message: 'pendant pressed',
  evidence: hubAlertIds.map((hubAlertId) => ({ sensorId: 'pendant', hubAlertId })),
  occurredAt: new Date(0).toISOString(),
  acknowledgedAt: '2026-11-22T03:01:00.000Z',
  acknowledgedBy: 'carer-1',
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
  cursor: 1,
  ...patch,
});

describe('the alert ledger', () => {
  it('keeps a human acknowledgement across a restart of the hub (real SQLite)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'outbox.db');
    const first = openSqliteOutbox({ path, bootId: 'boot-1' });
    const ledger = new AlertLedger({ table: first.state.alertLedger });
    const alert = raised();
    ledger.raised(alert, Date.UTC(2026, 10, 22, 3, 0));
    expect(ledger.hasHuman(alert.alertId)).toBe(false);
    ledger.cloudChanged(cloudAlert([alert.alertId]));
    first.close();

    const reopened = openSqliteOutbox({ path, bootId: 'boot-2' });
    const after = new AlertLedger({ table: reopened.state.alertLedger });
    expect(after.hasHuman(alert.alertId)).toBe(true);
    expect(after.get(alert.alertId)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'carer-1',
      raisedAt: '2026-11-22T03:00:00.000Z',
    });
    reopened.close();
  });

  it('marks every hub alert the cloud folded into one, and tells listeners after storing', () => {
    const store = new MemoryHubState();
    const ledger = new AlertLedger({ table: store.alertLedger });
    const [a, b, other] = [raised(), raised(), raised()];
    for (const x of [a, b, other]) ledger.raised(x, 0);
    const heard: string[] = [];
    ledger.onChange((r) => {
      // Stored before anyone acts on it.
      expect(new AlertLedger({ table: store.alertLedger }).get(r.alertId!)?.status).toBe(r.status);
      heard.push(`${r.alertId}:${r.status}`);
    });
    const cloud = cloudAlert([a.alertId, b.alertId]);
    expect(ledger.cloudChanged(cloud)).toHaveLength(2);
    expect(heard).toEqual([`${a.alertId}:acknowledged`, `${b.alertId}:acknowledged`]);
    expect(ledger.hasHuman(other.alertId)).toBe(false);
    expect(ledger.summary()).toMatchObject({ open: 1, acknowledged: 2 });
  });

  it('never moves back: a late acknowledgement after the resolution changes nothing', () => {
    const ledger = new AlertLedger({ table: new MemoryHubState().alertLedger });
    const a = raised();
    ledger.raised(a, 0);
    const resolved = cloudAlert([a.alertId], {
      status: 'resolved',
      resolvedBy: 'carer-2',
      resolvedAt: '2026-11-22T03:05:00.000Z',
      resolutionNote: 'she was fine',
    });
    ledger.cloudChanged(resolved);
    expect(ledger.cloudChanged({ ...resolved, status: 'acknowledged', resolvedAt: null })).toEqual([]);
    expect(ledger.cloudChanged(resolved)).toEqual([]);
    expect(ledger.get(a.alertId)).toMatchObject({ status: 'resolved', resolutionNote: 'she was fine' });
  });

  it('remembers what the cloud says about an alert it had not noted (raised before an upgrade)', () => {
    const ledger = new AlertLedger({ table: new MemoryHubState().alertLedger });
    const id = randomUUID();
    ledger.cloudChanged(cloudAlert([id]));
    expect(ledger.hasHuman(id)).toBe(true);
    // An alert naming none of the hub's ids is kept under the cloud's id.
    const bare = cloudAlert([]);
    ledger.cloudChanged(bare);
    expect(ledger.summary().recent[0]).toMatchObject({ alertId: null, cloudAlertId: bare.id });
  });

  it('stays within its size, forgetting resolved alerts first', () => {
    const ledger = new AlertLedger({ table: new MemoryHubState().alertLedger, maxRecords: 3 });
    const [a, b, c, d] = [raised(), raised(), raised(), raised()];
    for (const x of [a, b, c]) ledger.raised(x, 0);
    ledger.cloudChanged(cloudAlert([b.alertId], { status: 'resolved' }));
    ledger.raised(d, 0);
    expect(ledger.get(b.alertId)).toBeUndefined();
    expect([a, c, d].every((x) => ledger.get(x.alertId)?.status === 'open')).toBe(true);
  });

  it('starts empty and says why when the stored ledger cannot be read', () => {
    const store = new MemoryHubState();
    store.alertLedger.save('{"version":1,"records":[{"oops":1}]}');
    const reasons: string[] = [];
    const ledger = new AlertLedger({ table: store.alertLedger, onUnreadable: (r) => reasons.push(r) });
    expect(ledger.summary().recent).toEqual([]);
    expect(reasons[0]).toMatch(/unexpected shape/);
  });
});

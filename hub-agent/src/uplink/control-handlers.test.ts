import { randomUUID } from 'node:crypto';
import type { Alert, ModelAvailable, SafetyCheckReport } from '@hearth/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AlertLedger } from '../alerts/alert-ledger.js';
import { answerNoRobot } from '../alerts/safety-check.js';
import { FakeClock } from '../clock.js';
import { createDetector } from '../detect/index.js';
import { MemoryHubState } from '../store/hub-state.js';
import { controlHandlers } from './control-handlers.js';

function setup() {
  const lines: { msg: string; reason?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const ledger = new AlertLedger({ table: new MemoryHubState().alertLedger });
  const detector = createDetector({ clock: new FakeClock() });
  const notices: ModelAvailable[] = [];
  let caughtUp = 0;
  const handlers = controlHandlers({
    log,
    ledger,
    modelAvailable: async (notice) => {
      notices.push(notice);
    },
    applyRules: (rules) => detector.setConfig(rules),
    onSafetyCheckRequested: answerNoRobot,
    catchUp: () => {
      caughtUp++;
    },
  });
  return { handlers, ledger, detector, notices, lines, caughtUp: () => caughtUp };
}

describe('the hub acting on control messages', () => {
  it('records that a person acknowledged the hub’s alert', () => {
    const { handlers, ledger } = setup();
    const alertId = randomUUID();
    ledger.raised(
      {
        alertId,
        kind: 'pendant_pressed',
        severity: 'critical',
        source: 'button',
        message: 'x',
        evidence: [],
      },
      0,
    );
    const acked: Alert = {
      id: randomUUID(),
      seniorId: randomUUID(),
      hubId: randomUUID(),
      kind: 'pendant_pressed',
      severity: 'critical',
      source: 'button',
      status: 'acknowledged',
      message: 'x',
      evidence: [{ hubAlertId: alertId }],
      occurredAt: new Date(0).toISOString(),
      acknowledgedAt: new Date(1000).toISOString(),
      acknowledgedBy: 'carer-1',
      resolvedAt: null,
      resolvedBy: null,
      resolutionNote: null,
      cursor: 3,
    };
    handlers.alertChanged(acked);
    expect(ledger.hasHuman(alertId)).toBe(true);
  });

  it('passes a new-model notice to the model updater', async () => {
    const { handlers, notices } = setup();
    await handlers.modelAvailable({ version: 4, sha256: 'c'.repeat(64) });
    expect(notices).toEqual([{ version: 4, sha256: 'c'.repeat(64) }]);
  });

  it('applies new rule settings, and keeps the old ones when a setting is bad, saying which', () => {
    const { handlers, detector, lines } = setup();
    handlers.rulesChanged({ bathroom: { maxMinutes: 30 } });
    expect(detector.config.bathroom.maxMinutes).toBe(30);
    handlers.rulesChanged({ bathroom: { maxMinutes: -5 }, night: { start: '25:00' } });
    expect(detector.config.bathroom.maxMinutes).toBe(30);
    const refused = lines.find(
      (l) => l.msg === 'rule settings from the cloud refused; the current ones stay',
    );
    expect(refused?.reason).toMatch(/bathroom\.maxMinutes/);
  });

  it('answers a safety check at once when the home has no robot', async () => {
    const { handlers } = setup();
    const sent: SafetyCheckReport[] = [];
    const id = randomUUID();
    await handlers.safetyCheckRequested({ id, room: 'kitchen' }, (update) => {
      sent.push(update);
      return true;
    });
    expect(sent).toEqual([{ id, status: 'failed', detail: 'no robot is paired with this hub' }]);
  });

  it('catches up on every connection', () => {
    const { handlers, caughtUp } = setup();
    handlers.connected?.({ hubId: 'h', seniorId: 's' });
    handlers.connected?.({ hubId: 'h', seniorId: 's' });
    expect(caughtUp()).toBe(2);
  });
});

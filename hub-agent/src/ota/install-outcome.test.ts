import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeInstallOutcome } from './install-outcome.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-outcome-'));
const state = join(dir, 'release-state.json');
const seen = join(dir, 'seen');
const write = (record: object) => writeFileSync(state, `${JSON.stringify(record)}\n`);

describe("the installer's record, as the agent reports it", () => {
  it('is taken once, in the contract’s words, and only again when the installer writes another', () => {
    expect(takeInstallOutcome(state, seen)).toBeNull();
    write({
      result: 'rolled-back',
      version: '1.1.0',
      attempted: '1.2.0',
      reason: 'agent: not ready',
      at: 'x',
    });
    expect(takeInstallOutcome(state, seen)?.result).toEqual({
      version: '1.2.0',
      status: 'rolled_back',
      running: '1.1.0',
      detail: 'agent: not ready',
    });
    expect(takeInstallOutcome(state, seen)).toBeNull();
    write({ result: 'upgraded', version: '1.3.0', attempted: '1.3.0', reason: '', at: 'y' });
    expect(takeInstallOutcome(state, seen)?.result).toEqual({
      version: '1.3.0',
      status: 'installed',
      running: '1.3.0',
    });
  });

  it('has nothing to say of a switch without a restart, or of a record it cannot read', () => {
    write({ result: 'switched', version: '1.4.0', attempted: '1.4.0', reason: '', at: 'z' });
    expect(takeInstallOutcome(state, seen)).toBeNull();
    writeFileSync(state, 'not json');
    expect(takeInstallOutcome(state, seen)).toBeNull();
  });
});

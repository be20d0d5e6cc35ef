import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryHubState } from '../store/hub-state.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { RememberedRules } from './remembered-rules.js';

describe('the rule settings the hub remembers', () => {
  it('survive a restart of the hub (real SQLite)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rules-')), 'outbox.db');
    const first = openSqliteOutbox({ path, bootId: 'boot-1' });
    expect(new RememberedRules(first.state.settings).load('senior-1')).toBeUndefined();
    new RememberedRules(first.state.settings).remember('senior-1', {
      bathroom: { maxMinutes: 20 },
      timezone: 'Europe/London',
    });
    first.close();
    const reopened = openSqliteOutbox({ path, bootId: 'boot-2' });
    expect(new RememberedRules(reopened.state.settings).load('senior-1')).toEqual({
      bathroom: { maxMinutes: 20 },
      timezone: 'Europe/London',
    });
    // Paired again with another senior's home: the old senior's settings do not apply.
    expect(new RememberedRules(reopened.state.settings).load('senior-2')).toBeUndefined();
    reopened.close();
  });

  it('say why when what is stored cannot be read', () => {
    const { settings } = new MemoryHubState();
    settings.set('rules.latest', '[1,2');
    expect(() => new RememberedRules(settings).load('senior-1')).toThrow(/not valid JSON/);
    settings.set('rules.latest', '{"rules":{}}');
    expect(() => new RememberedRules(settings).load('senior-1')).toThrow(/unexpected shape/);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from '../store/memory-outbox.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { RememberedRules } from './remembered-rules.js';

describe('the rule settings the hub remembers', () => {
  it('survive a restart of the hub (real SQLite)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rules-')), 'outbox.db');
    const first = openSqliteOutbox({ path, bootId: 'boot-1' });
    expect(new RememberedRules(first).load('senior-1')).toBeUndefined();
    new RememberedRules(first).remember('senior-1', {
      bathroom: { maxMinutes: 20 },
      timezone: 'Europe/London',
    });
    first.close();
    const reopened = openSqliteOutbox({ path, bootId: 'boot-2' });
    expect(new RememberedRules(reopened).load('senior-1')).toEqual({
      bathroom: { maxMinutes: 20 },
      timezone: 'Europe/London',
    });
    // Paired again with another senior's home: the old senior's settings do not apply.
    expect(new RememberedRules(reopened).load('senior-2')).toBeUndefined();
    reopened.close();
  });

  it('say why when what is stored cannot be read', () => {
    const store = new MemoryOutboxStore();
    store.setSetting('rules.latest', '[1,2');
    expect(() => new RememberedRules(store).load('senior-1')).toThrow(/not valid JSON/);
    store.setSetting('rules.latest', '{"rules":{}}');
    expect(() => new RememberedRules(store).load('senior-1')).toThrow(/unexpected shape/);
  });
});

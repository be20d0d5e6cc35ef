import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { openSqliteOutbox } from '../store/sqlite-outbox.js';
import { settingsEpisodeStore } from './episode-store.js';
import { createDetector } from './index.js';

const MIN = 60_000;
const nine = Date.UTC(2026, 0, 6, 9);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('remembered episodes kept in the hub state', () => {
  it('survive a restart of the hub: the stillness keeps its start and its alert is not raised again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-episodes-'));
    dirs.push(dir);
    const path = join(dir, 'outbox.db');
    const clock = new FakeClock(nine);
    const config = { timezone: 'UTC' };

    const first = openSqliteOutbox({ path, bootId: 'boot-1' });
    const before = createDetector({ clock, config, memory: settingsEpisodeStore(first.state.settings) });
    await before.observe({
      seq: 1,
      ts: nine,
      sensorId: 'pir-kitchen',
      kind: 'motion',
      value: true,
      room: 'kitchen',
    });
    const raised = [];
    for (let m = 1; m <= 200; m++) raised.push(...(await before.tick(nine + m * MIN)));
    expect(raised.map((d) => d.kind)).toEqual(['inactivity']);
    first.close();

    clock.advance(205 * MIN);
    const second = openSqliteOutbox({ path, bootId: 'boot-2' });
    const after = createDetector({ clock, config, memory: settingsEpisodeStore(second.state.settings) });
    const again = [];
    for (let m = 206; m <= 400; m++) again.push(...(await after.tick(nine + m * MIN)));
    expect(again).toEqual([]);
    second.close();
  });

  it('an unreadable record is logged and detection starts afresh', () => {
    const warnings: string[] = [];
    const detector = createDetector({
      clock: new FakeClock(nine),
      memory: { load: () => '{"version":2}', save: () => {} },
      log: { warn: (_o, msg) => warnings.push(msg) },
    });
    expect(detector.config.timezone).toBe('UTC');
    expect(warnings).toEqual(['remembered episodes unreadable; starting afresh']);
  });
});

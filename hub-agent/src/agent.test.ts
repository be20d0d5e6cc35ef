import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { eventually } from '../test/support/eventually.js';
import { type Agent, buildAgent } from './agent.js';
import { loadAgentConfig } from './config/agent-config.js';
import { AgentClient } from './control/client.js';
import { FakeGpioBackend } from './sensors/gpio/backend.js';

const sysfsPi5 = join(
  dirname(fileURLToPath(import.meta.url)),
  '../test/fixtures/sysfs-pi5-kernel6.6/class/gpio',
);

async function run(agent: Agent, body: () => Promise<void>) {
  const started = [];
  try {
    for (const m of agent.modules) {
      await m.start();
      started.push(m);
    }
    await body();
  } finally {
    for (const m of started.reverse()) await m.stop();
  }
}

describe('the assembled agent with wired sensors', () => {
  it('turns a wired pendant press on a Pi 5 into a committed reading and a committed alert, acted on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-agent-'));
    const gpio = new FakeGpioBackend();
    const acted: string[] = [];
    const agent = buildAgent({
      config: loadAgentConfig(undefined, {
        logLevel: 'fatal',
        robot: { broker: { port: 0, host: '127.0.0.1' } },
      }),
      dataDir,
      log: pino({ level: 'silent' }),
      gpio: { backend: gpio, sysfsGpio: sysfsPi5 },
      onSeriousAlert: (alert) => {
        acted.push(alert.kind);
      },
    });
    await run(agent, async () => {
      const client = new AgentClient(join(dataDir, 'agent.sock'));
      // GPIO4 on the RP1 is sysfs line 575: idle high through the pull-up; a press pulls it low.
      gpio.setLevel(575, 1);
      await client.call('POST', '/sensors', {
        id: 'pendant',
        type: 'gpio',
        settings: { pin: 4, kind: 'button', activeLow: true, debounceMs: 0 },
      });
      gpio.setLevel(575, 0);
      await eventually(() => acted.length === 1, { what: 'the alert to be acted on' });
      const entries = agent.store.pending(10);
      expect(entries.map((e) => [e.sensorId, e.kind, e.value])).toEqual([
        ['pendant', 'button', true],
        ['hub', 'alert', null],
      ]);
      expect(entries[1]?.alert?.kind).toBe('pendant_pressed');
      expect(acted).toEqual(['pendant_pressed']);
      const status = agent.status();
      expect(status.sensors).toContainEqual(
        expect.objectContaining({ id: 'pendant', source: 'gpio', available: true }),
      );
      expect(status.sources.running).toEqual(['gpio']);
    });
  });
});

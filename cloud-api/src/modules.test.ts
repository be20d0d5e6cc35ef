import { describe, expect, it } from 'vitest';
import { recordingLog } from '../test/realtime-fakes.js';
import { type Module, startModules, stopModules } from './modules.js';

function recorder() {
  const events: string[] = [];
  const module = (name: string, behaviour: { failStart?: boolean; hangStop?: boolean } = {}): Module => ({
    name,
    start: async () => {
      if (behaviour.failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop: () => {
      events.push(`stop ${name}`);
      return behaviour.hangStop ? new Promise<void>(() => {}) : undefined;
    },
  });
  return { events, module };
}

describe('modules', () => {
  it('starts in order and stops in reverse', async () => {
    const { events, module } = recorder();
    const modules = [module('bus'), module('sockets'), module('http')];
    await startModules(modules, recordingLog(), 1000);
    expect(await stopModules(modules, recordingLog(), 1000)).toEqual([]);
    expect(events).toEqual([
      'start bus',
      'start sockets',
      'start http',
      'stop http',
      'stop sockets',
      'stop bus',
    ]);
  });

  it('stops the ones already started when one cannot start, and rethrows', async () => {
    const { events, module } = recorder();
    const modules = [module('bus'), module('sockets'), module('http', { failStart: true }), module('never')];
    await expect(startModules(modules, recordingLog(), 1000)).rejects.toThrow('http cannot start');
    expect(events).toEqual(['start bus', 'start sockets', 'stop sockets', 'stop bus']);
  });

  it('gives up on a module that never stops, and names it and those not reached', async () => {
    const { events, module } = recorder();
    const log = recordingLog();
    const modules = [module('bus'), module('sockets', { hangStop: true }), module('http')];
    await startModules(modules, log, 1000);
    expect(await stopModules(modules, log, 50)).toEqual(['sockets', 'bus']);
    expect(events.slice(3)).toEqual(['stop http', 'stop sockets']);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ pending: ['sockets', 'bus'] }),
      expect.any(String),
    );
  });
});

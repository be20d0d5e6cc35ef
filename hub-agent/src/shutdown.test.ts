import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Module } from './agent.js';
import { stopModules } from './shutdown.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino(stream), lines };
}

const module = (name: string, stop: () => Promise<void>, stopped: string[]): Module => ({
  name,
  start: async () => {},
  stop: async () => {
    await stop();
    stopped.push(name);
  },
});

describe('stopModules', () => {
  it('stops in reverse order and carries on past a module whose stop fails', async () => {
    const stopped: string[] = [];
    const { log, lines } = capture();
    const outcome = await stopModules(
      [
        module('outbox', async () => {}, stopped),
        module('uplink', async () => Promise.reject(new Error('socket already gone')), stopped),
        module('sensors', async () => {}, stopped),
      ],
      log,
      1000,
    );
    expect(outcome).toEqual({ finished: true, pending: [] });
    expect(stopped).toEqual(['sensors', 'outbox']);
    expect(lines).toContainEqual(
      expect.objectContaining({ module: 'uplink', msg: 'module failed to stop cleanly' }),
    );
  });

  it('gives up on a stop that never settles, in bounded time, naming what did not stop', async () => {
    const stopped: string[] = [];
    const { log, lines } = capture();
    const began = Date.now();
    const outcome = await stopModules(
      [
        module('outbox', async () => {}, stopped),
        module('uplink', () => new Promise<void>(() => {}), stopped),
        module('sensors', async () => {}, stopped),
      ],
      log,
      200,
    );
    expect(Date.now() - began).toBeLessThan(2000);
    expect(outcome).toEqual({ finished: false, pending: ['uplink', 'outbox'] });
    expect(stopped).toEqual(['sensors']);
    expect(lines).toContainEqual(
      expect.objectContaining({ pending: ['uplink', 'outbox'], msg: expect.stringMatching(/did not stop/) }),
    );
  });
});

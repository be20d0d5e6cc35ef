import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../sensors/devices.js';
import type { OutboxEntry } from '../store/outbox.js';
import { AgentClient } from './client.js';
import { type ControlDeps, ControlServer } from './server.js';
import type { AgentStatus } from './status.js';

const log = pino({ level: 'silent' });
let servers: ControlServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.stop();
  servers = [];
});

function setup(overrides: Partial<ControlDeps> = {}) {
  const socketPath =
    overrides.socketPath ?? join(mkdtempSync(join(tmpdir(), 'hearth-control-')), 'agent.sock');
  const listeners = new Set<(e: OutboxEntry) => void>();
  const server = new ControlServer({
    socketPath,
    log,
    status: () => ({ hubId: null }) as unknown as AgentStatus,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    sensors: {
      list: () => ({ devices: [], sensors: [] }),
      add: async (input) => {
        if ((input as { id?: string }).id === 'bad')
          throw new DeviceError('invalid sensor: settings.pin: too big');
        return { id: 'ok', type: 'gpio', settings: {}, addedAt: 0 };
      },
      remove: async (id) => id === 'known',
    },
    credentialsChanged: () => {},
    ...overrides,
  });
  servers.push(server);
  const publish = (e: Partial<OutboxEntry>) => {
    for (const l of listeners) l(e as OutboxEntry);
  };
  return { socketPath, server, publish, client: new AgentClient(socketPath) };
}

function raw(
  socketPath: string,
  method: string,
  path: string,
  body: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method, path, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('ControlServer', () => {
  it('listens on a socket only the agent user and group may use', async () => {
    const { server, socketPath, client } = setup();
    await server.start();
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    expect(await client.call('GET', '/status')).toEqual({ hubId: null });
  });

  it('answers bad requests with a precise error and no stack trace', async () => {
    const { server, socketPath } = setup();
    await server.start();
    expect(await raw(socketPath, 'POST', '/sensors', '{nope')).toEqual({
      status: 400,
      json: { error: { code: 'MALFORMED_JSON', message: 'the body must be JSON' } },
    });
    expect(await raw(socketPath, 'POST', '/sensors', JSON.stringify({ id: 'bad' }))).toEqual({
      status: 400,
      json: { error: { code: 'VALIDATION_FAILED', message: 'invalid sensor: settings.pin: too big' } },
    });
    expect((await raw(socketPath, 'POST', '/sensors', 'x'.repeat(70_000))).status).toBe(413);
    expect((await raw(socketPath, 'DELETE', '/sensors/unknown', '')).status).toBe(404);
    expect((await raw(socketPath, 'GET', '/nowhere', '')).json).toEqual({
      error: { code: 'NOT_FOUND', message: 'no route GET /nowhere' },
    });
    // Without --simulate there is nothing to press.
    expect(
      await raw(socketPath, 'POST', '/simulate/press', JSON.stringify({ sensorId: 'pendant' })),
    ).toMatchObject({
      status: 409,
    });
  });

  it('validates presses and reports unknown simulated sensors', async () => {
    const { server, socketPath } = setup({
      press: (id) => {
        if (id !== 'pendant') throw new Error(`the simulated home has no sensor '${id}'`);
        return { seq: 7, sensorId: 'pendant', kind: 'button', value: true } as OutboxEntry;
      },
    });
    await server.start();
    expect(await raw(socketPath, 'POST', '/simulate/press', JSON.stringify({ sensorId: 'pendant' }))).toEqual(
      {
        status: 200,
        json: { seq: 7, sensorId: 'pendant', kind: 'button', value: true },
      },
    );
    expect(await raw(socketPath, 'POST', '/simulate/press', JSON.stringify({ sensor: 1 }))).toMatchObject({
      status: 400,
    });
    expect(
      await raw(socketPath, 'POST', '/simulate/press', JSON.stringify({ sensorId: 'toaster' })),
    ).toMatchObject({
      status: 404,
      json: { error: { message: "the simulated home has no sensor 'toaster'" } },
    });
  });

  it('streams committed entries of one sensor as NDJSON', async () => {
    const { server, publish, client } = setup();
    await server.start();
    const seen: unknown[] = [];
    const controller = new AbortController();
    const done = client.stream(
      '/events?sensor=door',
      (e) => {
        seen.push(e);
        if (seen.length === 2) controller.abort();
      },
      controller.signal,
    );
    await new Promise((r) => setTimeout(r, 100));
    publish({ seq: 1, sensorId: 'pir' });
    publish({ seq: 2, sensorId: 'door' });
    publish({ seq: 3, sensorId: 'door' });
    await done;
    expect(seen).toEqual([
      { seq: 2, sensorId: 'door' },
      { seq: 3, sensorId: 'door' },
    ]);
  });

  it('refuses to start beside a running agent, and replaces a socket left by a killed one', async () => {
    const first = setup();
    await first.server.start();
    const second = new ControlServer({ ...(first.server as unknown as { deps: ControlDeps }).deps });
    await expect(second.start()).rejects.toThrow(/another hearth-agent is already running/);
    await first.server.stop();
    writeFileSync(first.socketPath, '');
    const third = setup({ socketPath: first.socketPath });
    await third.server.start();
    expect(await third.client.call('GET', '/status')).toEqual({ hubId: null });
  });
});

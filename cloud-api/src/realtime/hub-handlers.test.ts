import type { SafetyCheck, SafetyCheckReport } from '@hearth/shared';
import { describe, expect, it } from 'vitest';
import { recordingLog, SENIOR, SESSION } from '../../test/realtime-fakes.js';
import type { SafetyCheckRing } from '../safety/safety-check-ring.js';
import { type HubContext, handleHubMessage } from './hub-handlers.js';
import { HubSession } from './hub-session.js';
import { MemoryPort } from './message-port.js';

const CHECK = '3f0e1d2c-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const HUB = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

function fixture(options: { relayable?: boolean } = {}) {
  const reports: SafetyCheckReport[] = [];
  const rings: SafetyCheckRing[] = [];
  const relayed: unknown[] = [];
  const hellos: { hubId: string; agentVersion: string | undefined }[] = [];
  const log = recordingLog();
  let closed = false;
  const ctx: HubContext = {
    async reportCheck(seniorId, report) {
      if (seniorId !== SENIOR || report.id !== CHECK) return undefined;
      const check: SafetyCheck = {
        id: CHECK,
        seniorId,
        requestedBy: null,
        status: closed ? 'undelivered' : report.status,
        outcome: 'outcome' in report ? (report.outcome ?? null) : null,
        detail: null,
        createdAt: 'then',
        updatedAt: 'now',
      };
      if (closed) return { check, changed: false };
      reports.push(report);
      closed = ['done', 'undelivered', 'failed'].includes(report.status);
      return { check, changed: true };
    },
    checkChanged: async (ring) => void rings.push(ring),
    relayFromHub: async (_hub, sessionId, data) => {
      relayed.push({ sessionId, data });
      return options.relayable ?? true;
    },
    recordHello: async (hub, agentVersion) => void hellos.push({ hubId: hub.hubId, agentVersion }),
    log,
  };
  const port = new MemoryPort();
  const session = new HubSession(HUB, SENIOR, port);
  const send = (m: unknown) => handleHubMessage(ctx, session, JSON.stringify(m));
  return { ctx, port, session, send, reports, rings, relayed, hellos, log };
}

describe('hub control channel handlers', () => {
  it('records each safety-check hop, rings it for the dashboards and acknowledges with the request id', async () => {
    const { send, port, reports, rings } = fixture();
    const hops = [
      { status: 'delivered' },
      { status: 'sent', robotId: 'r1' },
      { status: 'acknowledged' },
      { status: 'progress', stage: 'arrived', room: 'kitchen' },
      { status: 'done', outcome: 'ok', detail: 'senior waved' },
    ];
    for (const [i, hop] of hops.entries())
      await send({ type: 'update', topic: 'safety-checks', id: i, data: { id: CHECK, ...hop } });
    expect(reports.map((r) => r.status)).toEqual(['delivered', 'sent', 'acknowledged', 'progress', 'done']);
    expect(rings.map((r) => r.check.status)).toEqual([
      'delivered',
      'sent',
      'acknowledged',
      'progress',
      'done',
    ]);
    expect(port.sent).toEqual(hops.map((_, i) => ({ type: 'ack', topic: 'safety-checks', id: i })));
  });

  it('acknowledges a hop that comes after the check closed, without telling the dashboards again', async () => {
    const { send, port, rings } = fixture();
    await send({
      type: 'update',
      topic: 'safety-checks',
      id: 1,
      data: { id: CHECK, status: 'undelivered', reason: 'robot_no_answer' },
    });
    await send({
      type: 'update',
      topic: 'safety-checks',
      id: 2,
      data: { id: CHECK, status: 'acknowledged' },
    });
    expect(rings.map((r) => r.check.status)).toEqual(['undelivered']);
    expect(port.sent).toEqual([1, 2].map((id) => ({ type: 'ack', topic: 'safety-checks', id })));
  });

  it('refuses a malformed report precisely, and a check of another senior as NOT_FOUND', async () => {
    const { send, port, rings } = fixture();
    await send({ type: 'update', topic: 'safety-checks', id: 'x', data: { id: 'nope', status: 'exploded' } });
    expect(port.sent[0]).toMatchObject({
      type: 'error',
      topic: 'safety-checks',
      id: 'x',
      data: { code: 'VALIDATION_FAILED' },
    });
    await send({
      type: 'update',
      topic: 'safety-checks',
      data: { id: '00000000-0000-4000-8000-000000000000', status: 'done', outcome: 'ok' },
    });
    expect(port.sent[1]).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
    expect(rings).toEqual([]);
  });

  it('takes the hub hello’s protocol and agent version, and stores the version; a hub that says nothing is version 1', async () => {
    const { send, session, hellos } = fixture();
    expect(session.protocol).toBe(1);
    await send({ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion: '1.4.0' } });
    expect([session.protocol, session.agentVersion]).toEqual([2, '1.4.0']);
    expect(hellos).toEqual([{ hubId: HUB, agentVersion: '1.4.0' }]);
  });

  it('relays a video signal of its senior’s session, and refuses one that is not', async () => {
    const ok = fixture();
    await ok.send({ type: 'signal', topic: `video:${SESSION}`, data: { kind: 'offer', sdp: 'v=0' } });
    expect(ok.relayed).toEqual([{ sessionId: SESSION, data: { kind: 'offer', sdp: 'v=0' } }]);
    expect(ok.port.sent).toEqual([]);
    const foreign = fixture({ relayable: false });
    await foreign.send({ type: 'signal', topic: `video:${SESSION}`, data: {} });
    expect(foreign.port.sent[0]).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } });
  });

  it('answers ping with pong, ignores receipts, logs the hub’s own errors, and refuses what a hub may not send', async () => {
    const { send, port, log } = fixture();
    await send({ type: 'ping', id: 4 });
    await send({ type: 'pong' });
    await send({ type: 'ack', topic: 'alerts', id: 9 });
    await send({
      type: 'error',
      topic: 'rules',
      data: { code: 'VALIDATION_FAILED', message: 'bad threshold' },
    });
    await send({ type: 'subscribe', topic: 'alerts' });
    await send({ type: 'update', topic: 'teleport', data: {} });
    expect(port.sent).toEqual([
      { type: 'pong', topic: '', id: 4 },
      {
        type: 'error',
        topic: 'alerts',
        data: { code: 'BAD_REQUEST', message: 'the cloud does not handle subscribe' },
      },
      {
        type: 'error',
        topic: 'teleport',
        data: { code: 'BAD_REQUEST', message: 'the cloud does not handle update on teleport' },
      },
    ]);
    expect(log.warn).toHaveBeenCalledTimes(1);
  });

  it('reports an agent update result in the log and acknowledges it', async () => {
    const { send, port, log } = fixture();
    await send({
      type: 'update',
      topic: 'release',
      id: 'u',
      data: { version: '1.4.0', status: 'rolled_back' },
    });
    expect(port.sent).toEqual([{ type: 'ack', topic: 'release', id: 'u' }]);
    expect(log.info).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'rolled_back' }),
      expect.any(String),
    );
  });

  it('acknowledges an update result only once the releases feature stored it, so the hub keeps it until then', async () => {
    const stored: unknown[] = [];
    let fail = true;
    const { ctx, send, port } = fixture();
    ctx.releases = {
      hello: async () => {},
      offered: () => {},
      result: async (_session, result) => {
        if (fail) throw new Error('database down');
        stored.push(result);
      },
    };
    const result = { version: '1.4.0', status: 'rolled_back', running: '1.3.0', detail: 'health gate' };
    await send({ type: 'update', topic: 'release', id: 'u', data: result });
    expect(port.sent).toEqual([
      { type: 'error', topic: 'release', id: 'u', data: { code: 'INTERNAL', message: expect.any(String) } },
    ]);
    fail = false;
    await send({ type: 'update', topic: 'release', id: 'u', data: result });
    expect(stored).toEqual([result]);
    expect(port.sent.at(-1)).toEqual({ type: 'ack', topic: 'release', id: 'u' });
  });

  it('hands the hello, with its agent version, to the releases feature for a catch-up offer', async () => {
    const hellos: (string | undefined)[] = [];
    const { ctx, send } = fixture();
    ctx.releases = {
      hello: async (s) => void hellos.push(s.agentVersion),
      offered: () => {},
      result: async () => {},
    };
    await send({ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion: '1.3.0' } });
    expect(hellos).toEqual(['1.3.0']);
  });
});

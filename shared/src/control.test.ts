import { describe, expect, it } from 'vitest';
import {
  CONTROL_PROTOCOL_VERSION,
  parseHubDown,
  parseHubUp,
  parseStaffClientMessage,
  parseStaffServerMessage,
  SafetyCheckReport,
  seniorOfTopic,
  videoSessionOf,
} from './control.js';

const ID = '0b6f2c3e-9a51-4d7e-8c1f-2a3b4c5d6e7f';
const SESSION = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const alert = {
  id: ID,
  seniorId: ID,
  hubId: null,
  kind: 'fall',
  severity: 'critical',
  source: 'rule',
  status: 'acknowledged',
  message: 'No movement',
  evidence: [],
  occurredAt: '2026-01-01T00:00:00.000Z',
  acknowledgedAt: '2026-01-01T00:01:00.000Z',
  acknowledgedBy: ID,
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
  cursor: 7,
};

describe('parseHubDown', () => {
  it('reads a version-1 hello (no protocol) as version 1, and a current one as itself', () => {
    const v1 = parseHubDown(
      JSON.stringify({ type: 'ack', topic: 'hello', data: { hubId: 'h', seniorId: 's' } }),
    );
    expect(v1).toMatchObject({ ok: true, message: { topic: 'hello', data: { protocol: 1 } } });
    const v2 = parseHubDown({
      type: 'ack',
      topic: 'hello',
      data: { hubId: 'h', seniorId: 's', protocol: CONTROL_PROTOCOL_VERSION },
    });
    expect(v2).toMatchObject({ ok: true, message: { data: { protocol: CONTROL_PROTOCOL_VERSION } } });
  });

  it('understands every message of today: alert, model, rules, safety check, signal, ping, error, shutdown', () => {
    const messages = [
      { type: 'update', topic: 'alerts', data: alert, id: 7 },
      { type: 'update', topic: 'model', data: { version: 3, sha256: 'a'.repeat(64) } },
      { type: 'update', topic: 'rules', data: { inactivityMinutes: 90 } },
      { type: 'update', topic: 'safety-checks', data: { id: ID, room: 'kitchen', reason: null } },
      { type: 'ack', topic: 'safety-checks', id: 'r1' },
      {
        type: 'signal',
        topic: `video:${SESSION}`,
        data: { kind: 'start', sessionId: SESSION, iceServers: [{ urls: ['stun:x'] }] },
      },
      { type: 'signal', topic: `video:${SESSION}`, data: { type: 'answer', sdp: 'v=0' } },
      { type: 'ping', topic: '', id: 4 },
      { type: 'pong', topic: '' },
      { type: 'error', topic: 'safety-checks', data: { code: 'NOT_FOUND', message: 'no such check' } },
      { type: 'shutdown', topic: '', data: { reason: 'server stopping' } },
      {
        type: 'update',
        topic: 'release',
        data: { version: '1.4.0', url: 'https://x/r.tgz', sha256: 'b'.repeat(64), signature: 'c2ln' },
      },
    ];
    for (const m of messages)
      expect(parseHubDown(JSON.stringify(m)), JSON.stringify(m)).toMatchObject({ ok: true });
  });

  it('says why a message is refused, without throwing', () => {
    expect(parseHubDown('{nope')).toMatchObject({ ok: false, code: 'MALFORMED_JSON' });
    expect(parseHubDown(42)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    const badModel = parseHubDown({
      type: 'update',
      topic: 'model',
      data: { version: 0, sha256: 'x' },
      id: 'm',
    });
    expect(badModel).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      id: 'm',
      topic: 'model',
      unknown: false,
    });
    expect(!badModel.ok && badModel.reason).toMatch(/data\.version/);
  });

  it('marks a well-formed message of a kind it does not know as unknown, so a hub ignores it', () => {
    expect(parseHubDown({ type: 'update', topic: 'teleport', data: {} })).toMatchObject({
      ok: false,
      unknown: true,
      reason: 'a hub does not handle update on teleport',
    });
    expect(parseHubDown({ type: 'dance', topic: '' })).toMatchObject({ ok: false, unknown: true });
  });
});

describe('parseHubUp', () => {
  it('carries every hop of a safety check', () => {
    const hops = [
      { status: 'delivered' },
      { status: 'sent', robotId: 'r1' },
      { status: 'acknowledged' },
      { status: 'progress', stage: 'moving', room: 'hall' },
      { status: 'progress', stage: 'checking', room: 'bedroom' },
      { status: 'done', outcome: 'needs_help', detail: 'senior on the floor' },
      { status: 'undelivered', reason: 'robot_offline' },
      { status: 'failed', detail: 'no robot is paired with this hub' },
      { status: 'accepted' },
      { status: 'running' },
    ];
    for (const hop of hops) {
      const parsed = parseHubUp({ type: 'update', topic: 'safety-checks', data: { id: ID, ...hop } });
      expect(parsed, JSON.stringify(hop)).toMatchObject({ ok: true, message: { data: hop } });
    }
  });

  it('refuses a hop without what it needs', () => {
    expect(SafetyCheckReport.safeParse({ id: ID, status: 'done' }).success).toBe(false);
    expect(SafetyCheckReport.safeParse({ id: ID, status: 'undelivered' }).success).toBe(false);
    expect(SafetyCheckReport.safeParse({ id: ID, status: 'progress', stage: 'dancing' }).success).toBe(false);
    const parsed = parseHubUp({
      type: 'update',
      topic: 'safety-checks',
      data: { id: 'x', status: 'done' },
      id: 3,
    });
    expect(parsed).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', id: 3 });
  });

  it('reads the hub hello, update results, signals and receipts', () => {
    expect(parseHubUp({ type: 'update', topic: 'hello', data: { agentVersion: '1.2.0' } })).toMatchObject({
      ok: true,
      message: { data: { protocol: 1 } },
    });
    expect(
      parseHubUp({ type: 'update', topic: 'release', data: { version: '1.4.0', status: 'rolled_back' } }),
    ).toMatchObject({ ok: true });
    expect(
      parseHubUp({ type: 'signal', topic: `video:${SESSION}`, data: { kind: 'offer', sdp: 'v=0' } }),
    ).toMatchObject({ ok: true });
    expect(parseHubUp({ type: 'signal', topic: `video:${SESSION}`, data: { kind: 'warp' } })).toMatchObject({
      ok: false,
    });
    expect(parseHubUp({ type: 'ack', topic: 'alerts' })).toMatchObject({ ok: true });
    expect(parseHubUp({ type: 'subscribe', topic: 'alerts' })).toMatchObject({ ok: false, unknown: true });
  });
});

describe('parseStaffClientMessage', () => {
  it('reads subscribe, unsubscribe, signal and ping', () => {
    for (const m of [
      { type: 'subscribe', topic: 'alerts', data: { cursor: 4 }, id: 1 },
      { type: 'subscribe', topic: `senior:${ID}` },
      { type: 'subscribe', topic: `video:${SESSION}` },
      { type: 'unsubscribe', topic: 'hubs' },
      { type: 'signal', topic: `video:${SESSION}`, data: { kind: 'candidate', candidate: 'c', sdpMid: '0' } },
      { type: 'ping' },
    ])
      expect(parseStaffClientMessage(JSON.stringify(m)), JSON.stringify(m)).toMatchObject({ ok: true });
  });

  it('answers a subscribe to senior:/video: with something that is not a uuid precisely, with its id', () => {
    const notUuid = 'x'.repeat(36);
    for (const topic of [`senior:${notUuid}`, `video:${notUuid}`]) {
      const parsed = parseStaffClientMessage({ type: 'subscribe', topic, id: 'req-9' });
      expect(parsed).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', id: 'req-9', topic });
      expect(!parsed.ok && parsed.reason).toMatch(/uuid/);
    }
  });

  it('refuses what a dashboard may not send', () => {
    expect(parseStaffClientMessage({ type: 'snapshot', topic: 'alerts' })).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
    expect(parseStaffClientMessage('')).toMatchObject({ ok: false, code: 'MALFORMED_JSON' });
  });
});

describe('parseStaffServerMessage', () => {
  it('reads an alert update with its ring flag, and refuses one without it', () => {
    expect(
      parseStaffServerMessage({ type: 'update', topic: 'alerts', data: { ...alert, ring: true } }),
    ).toMatchObject({
      ok: true,
    });
    expect(parseStaffServerMessage({ type: 'update', topic: 'alerts', data: alert })).toMatchObject({
      ok: false,
    });
    expect(
      parseStaffServerMessage({ type: 'snapshot', topic: `video:${SESSION}`, data: { sessionId: SESSION } }),
    ).toMatchObject({
      ok: true,
    });
  });
});

describe('topic ids', () => {
  it('reads the id of a video or senior topic, and nothing else', () => {
    expect(videoSessionOf(`video:${SESSION}`)).toBe(SESSION);
    expect(videoSessionOf(`video:${'-'.repeat(36)}`)).toBeUndefined();
    expect(seniorOfTopic(`senior:${ID}`)).toBe(ID);
    expect(seniorOfTopic('senior:')).toBeUndefined();
  });
});

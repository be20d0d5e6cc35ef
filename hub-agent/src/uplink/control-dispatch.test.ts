import { type AgentRelease, type HubUpMessage, parseHubDown } from '@hearth/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ControlHandlers } from './control-channel.js';
import { dispatchDown } from './control-dispatch.js';

const offer: AgentRelease = {
  version: '1.1.0',
  url: 'https://cloud.example/api/v1/hub/releases/1.1.0/bundle',
  sha256: 'a'.repeat(64),
  signature: `${'A'.repeat(86)}==`,
  size: 1234,
};

const sent: HubUpMessage[] = [];

function dispatcher(extra: Partial<ControlHandlers>) {
  sent.length = 0;
  const handlers: ControlHandlers = {
    alertChanged: () => {},
    modelAvailable: () => {},
    rulesChanged: () => {},
    safetyCheckRequested: () => {},
    ...extra,
  };
  return (message: unknown) =>
    dispatchDown(parseHubDown(JSON.stringify(message)), {
      handlers,
      log: pino({ level: 'silent' }),
      send: (m) => sent.push(m) > 0,
      agentVersion: '1.0.0',
      helloHeard: () => {},
    });
}

describe('release messages from the cloud', () => {
  it('tells the cloud which release the agent runs in its hello, so it can offer one it missed', () => {
    const dispatch = dispatcher({});
    dispatch({ type: 'ack', topic: 'hello', data: { hubId: 'h', seniorId: 's', protocol: 2 } });
    expect(sent).toEqual([{ type: 'update', topic: 'hello', data: { protocol: 2, agentVersion: '1.0.0' } }]);
  });

  it('hands an offered release to the updater, and the receipt of a report to the reports', () => {
    const offers: AgentRelease[] = [];
    const receipts: unknown[] = [];
    const dispatch = dispatcher({
      releaseOffered: (release) => {
        offers.push(release);
      },
      releaseAcknowledged: (id) => receipts.push(id),
    });
    dispatch({ type: 'update', topic: 'release', data: offer });
    dispatch({ type: 'ack', topic: 'release', id: 'release-1' });
    expect(offers).toEqual([offer]);
    expect(receipts).toEqual(['release-1']);
  });

  it('does not hand on an offer that breaks the contract', () => {
    const offers: AgentRelease[] = [];
    const dispatch = dispatcher({ releaseOffered: (release) => void offers.push(release) });
    dispatch({ type: 'update', topic: 'release', data: { ...offer, sha256: 'not a hash' } });
    expect(offers).toEqual([]);
  });
});

import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { type HubCredentials, writeCredentials } from './credentials.js';
import { FileCredentials } from './credentials-source.js';

const paired = (apiKey: string): HubCredentials => ({
  cloudUrl: 'https://care.example.org',
  hubId: '0b7d8f4e-58b5-4c1e-9a57-1f1d54f5a001',
  apiKey,
  seniorId: '0b7d8f4e-58b5-4c1e-9a57-1f1d54f5a002',
  deviceId: 'pi-1',
  pairedAt: '2026-11-30T08:00:00.000Z',
});

describe('the hub credentials, read once and shared', () => {
  it('tells its listeners when hearth pair wrote new ones, and only then', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hearth-creds-')), 'credentials.json');
    const source = new FileCredentials({ path, clock: new FakeClock() });
    expect(source.current()).toBeNull();
    const heard: (string | undefined)[] = [];
    source.onChange((now) => heard.push(now?.apiKey));
    writeCredentials(path, paired('hk_first_key_0123456789'));
    source.reload();
    source.reload();
    expect(heard).toEqual(['hk_first_key_0123456789']);
    expect(source.current()?.apiKey).toBe('hk_first_key_0123456789');
  });

  it('says once what is wrong with a damaged file, and the hub counts as unpaired meanwhile', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hearth-creds-')), 'credentials.json');
    writeCredentials(path, paired('hk_first_key_0123456789'));
    const problems: string[] = [];
    const source = new FileCredentials({ path, clock: new FakeClock(), onProblem: (p) => problems.push(p) });
    writeFileSync(path, '{ not json');
    source.reload();
    source.reload();
    expect(source.current()).toBeNull();
    expect(source.problem()).toMatch(/not valid JSON.*hearth pair/);
    expect(problems).toHaveLength(1);
  });

  it('notices an edit nobody announced on its next look at the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hearth-creds-')), 'credentials.json');
    writeCredentials(path, paired('hk_first_key_0123456789'));
    const clock = new FakeClock();
    const source = new FileCredentials({ path, clock, checkEveryMs: 30_000 });
    await source.start();
    writeCredentials(path, paired('hk_second_key_012345678'));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(source.current()?.apiKey).toBe('hk_first_key_0123456789');
    clock.advance(30_000);
    expect(source.current()?.apiKey).toBe('hk_second_key_012345678');
    await source.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

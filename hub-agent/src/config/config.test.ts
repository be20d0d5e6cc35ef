import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from './agent-config.js';
import { readCredentials, writeCredentials } from './credentials.js';
import { dataPaths, resolveDataDir } from './paths.js';

const dir = () => mkdtempSync(join(tmpdir(), 'hearth-config-'));

describe('data directory', () => {
  it('takes --data-dir over HEARTH_DATA_DIR over the defaults', () => {
    expect(resolveDataDir({ flag: '/a', env: { HEARTH_DATA_DIR: '/b' } })).toBe('/a');
    expect(resolveDataDir({ env: { HEARTH_DATA_DIR: '/b' } })).toBe('/b');
    const fallback = resolveDataDir({ env: {}, home: '/home/tech' });
    expect(['/var/lib/hearth', '/home/tech/.local/share/hearth']).toContain(fallback);
    expect(dataPaths('/d').socket).toBe('/d/agent.sock');
  });
});

describe('agent config', () => {
  it('fills defaults and lets the command line win over the file', () => {
    const file = join(dir(), 'agent.json');
    writeFileSync(file, JSON.stringify({ simSpeed: 5, uplink: { batchSize: 200 } }));
    const config = loadAgentConfig(file, { simSpeed: 60, simulate: true });
    expect(config).toMatchObject({
      simSpeed: 60,
      simulate: true,
      uplink: { batchSize: 200, backoffInitialMs: 1000 },
    });
  });

  it('names the file, the setting and the problem', () => {
    const file = join(dir(), 'agent.json');
    writeFileSync(file, JSON.stringify({ uplink: { batchSize: 5000 } }));
    expect(() => loadAgentConfig(file)).toThrow(/in .*agent\.json: uplink\.batchSize/);
    writeFileSync(file, JSON.stringify({ simSped: 5 }));
    expect(() => loadAgentConfig(file)).toThrow(/simSped/);
    writeFileSync(file, '{ not json');
    expect(() => loadAgentConfig(file)).toThrow(/not valid JSON/);
    expect(() => loadAgentConfig(join(dir(), 'missing.json'))).toThrow(
      /cannot read the config file .*ENOENT/,
    );
  });
});

describe('credentials', () => {
  const credentials = {
    cloudUrl: 'https://care.example.org',
    hubId: '3f1c2b9e-8a0e-4e59-9f5d-6b2f3c4d5e6f',
    apiKey: 'hk_0123456789abcdefghij',
    seniorId: '7a1c2b9e-8a0e-4e59-9f5d-6b2f3c4d5e6f',
    deviceId: 'pi-serial-1',
    pairedAt: new Date().toISOString(),
  };

  it('are stored readable by the owner only and read back', () => {
    const file = join(dir(), 'credentials.json');
    writeCredentials(file, credentials);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readCredentials(file)).toEqual(credentials);
    expect(readCredentials(join(dir(), 'none.json'))).toBeNull();
  });

  it('refuse a damaged file, telling the technician to pair again', () => {
    const file = join(dir(), 'credentials.json');
    writeFileSync(file, JSON.stringify({ ...credentials, apiKey: 'short' }));
    expect(() => readCredentials(file)).toThrow(/pair the hub again/);
  });
});

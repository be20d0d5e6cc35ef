import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'hearth-config-'));

describe('loadConfig', () => {
  it('defaults to embedded mode on port 8080 and keeps a generated secret, private, across restarts', () => {
    const cwd = dir();
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: undefined,
      redisUrl: undefined,
    });
    expect(config.dataDir).toBe(join(cwd, '.hearth', 'cloud'));
    const file = join(config.dataDir, 'jwt-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(config.jwtSecret);
    expect(loadConfig({}, cwd).jwtSecret).toBe(config.jwtSecret);
  });

  it('names the setting and the bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, dir())).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' }, dir())).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, dir())).toThrow(/LOG_LEVEL="loud"/);
    expect(() => loadConfig({ HEARTH_DEMO_ACCOUNTS: 'yes' }, dir())).toThrow(/HEARTH_DEMO_ACCOUNTS/);
  });

  it('requires a shared JWT secret with a real database, and never echoes URLs or secrets', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/hearth' }, dir())).toThrow(
      /HEARTH_JWT_SECRET is required/,
    );
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db', HEARTH_JWT_SECRET: 'short' }, dir());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL=\(hidden\)/);
    expect(message).toMatch(/HEARTH_JWT_SECRET=\(hidden\): must be at least 32/);
    expect(message).not.toContain('hunter2');
  });

  it('accepts port 0 for an ephemeral port and the demo-accounts flag', () => {
    const config = loadConfig({ PORT: '0', HEARTH_DEMO_ACCOUNTS: '1' }, dir());
    expect(config.port).toBe(0);
    expect(config.demoAccounts).toBe(true);
  });
});

describe('empty settings', () => {
  it('treats DATABASE_URL= and REDIS_URL= (as docker compose passes them) as not set', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '', HEARTH_METRICS_TOKEN: '', PORT: '' }, dir());
    expect(config).toMatchObject({ databaseUrl: undefined, redisUrl: undefined, metricsToken: undefined });
    expect(config.port).toBe(8080);
  });

  it('still refuses a value that is set but wrong, and a migration URL without a server URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' }, dir())).toThrow(/REDIS_URL=\(hidden\)/);
    expect(() => loadConfig({ HEARTH_METRICS_TOKEN: 'short' }, dir())).toThrow(/HEARTH_METRICS_TOKEN/);
    expect(() => loadConfig({ HEARTH_MIGRATION_DATABASE_URL: 'postgres://owner@db/hearth' }, dir())).toThrow(
      /HEARTH_MIGRATION_DATABASE_URL is set but DATABASE_URL is not/,
    );
  });
});

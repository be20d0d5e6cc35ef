import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNotifyConfig } from './notify-config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'hearth-notify-config-'));

describe('notification settings', () => {
  it('embedded: generates VAPID keys once, keeps them private in the data directory', () => {
    const dataDir = dir();
    const first = loadNotifyConfig({}, { dataDir, embedded: true });
    if (!('config' in first)) throw new Error('expected a config');
    expect(first.config.vapid?.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(statSync(join(dataDir, 'vapid.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dataDir, 'vapid.json'), 'utf8')).publicKey).toBe(
      first.config.vapid?.publicKey,
    );
    const again = loadNotifyConfig({}, { dataDir, embedded: true });
    expect('config' in again && again.config.vapid?.privateKey).toBe(first.config.vapid?.privateKey);
    expect(first.config).toMatchObject({ hubSilenceMinutes: 10, smtp: undefined, webhookSecret: undefined });
  });

  it('production: no keys in the settings means no Web Push, never generated ones', () => {
    const result = loadNotifyConfig({}, { dataDir: dir(), embedded: false });
    expect('config' in result && result.config.vapid).toBeUndefined();
  });

  it('names each bad setting and never shows a secret', () => {
    const result = loadNotifyConfig(
      {
        HEARTH_SMTP_PORT: 'twenty-five',
        HEARTH_WEBHOOK_SECRET: 'short-secret-value',
        HEARTH_HUB_SILENCE_MINUTES: '0',
      },
      { dataDir: dir(), embedded: true },
    );
    expect('problems' in result && result.problems).toEqual([
      expect.stringMatching(/^HEARTH_SMTP_PORT="twenty-five": /),
      'HEARTH_WEBHOOK_SECRET=(hidden): must be at least 32 characters',
      expect.stringMatching(/^HEARTH_HUB_SILENCE_MINUTES="0": /),
    ]);
    const half = loadNotifyConfig(
      { HEARTH_SMTP_HOST: 'mail', HEARTH_SMTP_USER: 'hearth', HEARTH_VAPID_PRIVATE_KEY: 'a'.repeat(43) },
      { dataDir: dir(), embedded: true },
    );
    expect('problems' in half && half.problems).toEqual([
      'HEARTH_VAPID_PUBLIC_KEY and HEARTH_VAPID_PRIVATE_KEY must be set together',
      'HEARTH_SMTP_USER and HEARTH_SMTP_PASSWORD must be set together',
    ]);
  });
});

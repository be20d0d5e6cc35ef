import { describe, expect, it } from 'vitest';
import { iceServers, turnTtlSeconds } from './turn.js';

const settings = {
  turnUrls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
  turnSecret: 'coturn-static-auth-secret',
  stunUrls: ['stun:turn.example:3478'],
};

describe('TURN credentials (coturn use-auth-secret)', () => {
  it('names the expiry and the user, signed with HMAC-SHA1 of the shared secret in base64', () => {
    const now = new Date((1_800_000_000 - 600) * 1000);
    const [stun, turn] = iceServers(settings, 'staff-1', 600, now);
    expect(stun).toEqual({ urls: ['stun:turn.example:3478'] });
    expect(turn?.urls).toEqual(settings.turnUrls);
    expect(turn?.username).toBe('1800000000:staff-1');
    // Known answer from OpenSSL: printf '%s' 1800000000:staff-1 | openssl dgst -sha1 -hmac <secret> -binary | base64
    expect(turn?.credential).toBe('prmtLyrsP/fOgJeM0FZBgyI1mho=');
    expect(iceServers(settings, 'x', 1, now)[1]?.credential).not.toBe(turn?.credential);
  });

  it('offers only STUN without a TURN secret', () => {
    expect(iceServers({ ...settings, turnSecret: undefined }, 'u', 600, new Date())).toEqual([
      { urls: ['stun:turn.example:3478'] },
    ]);
  });

  it('keeps credentials between five and ten minutes', () => {
    expect(turnTtlSeconds(60)).toBe(300);
    expect(turnTtlSeconds(420)).toBe(480);
    expect(turnTtlSeconds(3600)).toBe(600);
  });
});

import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** sha256 hex; enough for keys with 256 bits of entropy, which no one can brute-force. */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A new hub API key `hk_<prefix>_<secret>`; the prefix is public and finds the row. */
export function newHubKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `hk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: sha256(key) };
}

/** The prefix of a well-formed key, or undefined. */
export function keyPrefix(key: string): string | undefined {
  return /^hk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(key)?.[1];
}

/** Constant-time comparison of a presented key with the stored hash. */
export function keyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

// Crockford-style alphabet without 0/O, 1/I/L, U: nothing a technician can misread off a screen.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** An 8-character pairing code shown as `ABCD-EFGH` (30^8 ≈ 6.6e11 possibilities). */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The code as stored: upper case, separators and spaces removed. */
export function normalisePairingCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

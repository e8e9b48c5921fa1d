import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { createTokenCipher, DEV_KEY_ID, parseTokenKeys, TokenDecryptError, tokenCipherFor } from '../../src/security/token-cipher.ts';
import { nextSlotAfter } from '../../src/web/user-status.ts';

const k = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('token cipher', () => {
  const K1 = k('k1');
  const K2 = k('k2');
  const cipher = createTokenCipher(parseTokenKeys(K1));

  it('round-trips under the current key, naming it, with a fresh IV each time', () => {
    const a = cipher.encrypt('1//secret', 'accounts.refresh_token:x');
    const b = cipher.encrypt('1//secret', 'accounts.refresh_token:x');
    expect(a).toMatch(/^rk1\.k1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a, 'accounts.refresh_token:x')).toBe('1//secret');
    expect(cipher.keyIdOf(a)).toBe('k1');
    expect(cipher.keyIdOf('1//secret')).toBeNull();
  });

  it.each([
    ['another context', (c: string) => c, 'accounts.refresh_token:y'],
    [
      'a flipped ciphertext byte',
      (c: string) =>
        c.replace(
          /\.([\w-])([\w-]*)\.([\w-]{22})$/,
          (_m, first: string, rest: string, tag: string) => `.${first === 'A' ? 'B' : 'A'}${rest}.${tag}`,
        ),
      'accounts.refresh_token:x',
    ],
    ['another key id in the header', (c: string) => c.replace('rk1.k1.', 'rk1.k2.'), 'accounts.refresh_token:x'],
    ['plaintext', () => '1//secret', 'accounts.refresh_token:x'],
  ])('refuses %s', (_label, change, context) => {
    const both = createTokenCipher(parseTokenKeys(`${K1},${K2}`));
    expect(() => both.decrypt(change(cipher.encrypt('1//secret', 'accounts.refresh_token:x')), context)).toThrow(TokenDecryptError);
  });

  it('the first key encrypts, every key decrypts', () => {
    const rotated = createTokenCipher(parseTokenKeys(`${K2},${K1}`));
    const old = cipher.encrypt('t', 'c');
    expect(rotated.decrypt(old, 'c')).toBe('t');
    expect(rotated.currentKeyId).toBe('k2');
    expect(rotated.keyIdOf(rotated.encrypt('t', 'c'))).toBe('k2');
    expect(() => cipher.decrypt(rotated.encrypt('t', 'c'), 'c')).toThrow(/key "k2"/);
  });

  it.each([
    ['k1', /id:base64key/],
    [`k1:${randomBytes(16).toString('base64')}`, /32 bytes/],
    [`${DEV_KEY_ID}:${randomBytes(32).toString('base64')}`, /reserved/],
    [`k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`, /unique/],
    [`bad id!:${randomBytes(32).toString('base64')}`, /key id/],
  ])('TOKEN_ENCRYPTION_KEYS=%s is refused naming the variable', (value, message) => {
    expect(() => loadConfig({ TOKEN_ENCRYPTION_KEYS: value })).toThrow(message);
    try {
      loadConfig({ TOKEN_ENCRYPTION_KEYS: value });
    } catch (error) {
      expect((error as ConfigError).variables).toEqual(['TOKEN_ENCRYPTION_KEYS']);
    }
  });

  it('accepts hex keys; production needs a key, development falls back to the development key', () => {
    expect(loadConfig({ TOKEN_ENCRYPTION_KEYS: `k9:${randomBytes(32).toString('hex')}` }).TOKEN_ENCRYPTION_KEYS![0]!.key).toHaveLength(32);
    expect(() => tokenCipherFor(loadConfig({ NODE_ENV: 'production' }))).toThrow(ConfigError);
    expect(tokenCipherFor(loadConfig({ NODE_ENV: 'development' })).currentKeyId).toBe(DEV_KEY_ID);
    // Outside production the development key still decrypts once a real key is set, so a database
    // can be moved onto it; in production it is refused: it is public, anyone could make one.
    const dev = tokenCipherFor(loadConfig({})).encrypt('t', 'c');
    expect(tokenCipherFor(loadConfig({ TOKEN_ENCRYPTION_KEYS: K1, NODE_ENV: 'development' })).decrypt(dev, 'c')).toBe('t');
    expect(() => tokenCipherFor(loadConfig({ TOKEN_ENCRYPTION_KEYS: K1, NODE_ENV: 'production' })).decrypt(dev, 'c')).toThrow(
      TokenDecryptError,
    );
  });
});

describe('the next digest slot', () => {
  it.each([
    // Monday 08:00 Berlin (CEST, UTC+2) after a Sunday evening: the next morning.
    ['2025-06-01T18:00:00Z', { day: 1, hour: 8, timezone: 'Europe/Berlin' }, '2025-06-02T06:00:00.000Z'],
    // Right at the slot: the next week's.
    ['2025-06-02T06:00:00Z', { day: 1, hour: 8, timezone: 'Europe/Berlin' }, '2025-06-09T06:00:00.000Z'],
    // Across the end of daylight saving time (New York, 2 Nov 2025).
    ['2025-10-30T12:00:00Z', { day: 1, hour: 8, timezone: 'America/New_York' }, '2025-11-03T13:00:00.000Z'],
    // A timezone ahead of UTC whose local Wednesday starts on Tuesday in UTC.
    ['2025-06-03T10:00:00Z', { day: 3, hour: 7, timezone: 'Pacific/Auckland' }, '2025-06-03T19:00:00.000Z'],
  ])('after %s with %j is %s', (now, schedule, expected) => {
    expect(nextSlotAfter(new Date(now), schedule).toISOString()).toBe(expected);
  });
});

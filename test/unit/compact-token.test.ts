/**
 * The compact tokens of links read in plain-text mail (src/security/compact-token.ts): they
 * round-trip, rotate keys like signed-token.ts, bind their purpose, expire, and refuse any
 * change to a byte or to the spelling of the signature.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactBodyLength, signCompact, uuidBytes, uuidOf, verifyCompact } from '../../src/security/compact-token.ts';

const OLD = { secrets: ['o'.repeat(64)] };
const NEW = { secrets: ['n'.repeat(64), 'o'.repeat(64)] };
const later = new Date(Date.now() + 86_400_000);

describe('compact tokens', () => {
  it('round-trip a UUID and carry its expiry, in a body of the announced length', () => {
    const id = randomUUID();
    const token = signCompact(NEW, 'p', uuidBytes(id), later);
    expect(token.split('.')[0]).toHaveLength(compactBodyLength(16));
    expect(token).toHaveLength(compactBodyLength(16) + 1 + 16);
    const read = verifyCompact(NEW, 'p', token, 16);
    expect(read.ok && uuidOf(read.payload)).toBe(id);
  });

  it('rotate: a token of the old secret verifies while it is listed, and not after', () => {
    const token = signCompact(OLD, 'p', uuidBytes(randomUUID()), later);
    expect(verifyCompact(NEW, 'p', token, 16).ok).toBe(true);
    expect(verifyCompact({ secrets: ['n'.repeat(64)] }, 'p', token, 16)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('bind their purpose and expire', () => {
    const token = signCompact(NEW, 'digest-action', uuidBytes(randomUUID()), later);
    expect(verifyCompact(NEW, 'verdict-undo', token, 16)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyCompact(NEW, 'digest-action', token, 16, new Date(later.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyCompact(NEW, 'digest-action', token, 17)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuse a token with any one character changed', () => {
    const token = signCompact(NEW, 'p', uuidBytes(randomUUID()), later);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (at, letter) => {
        if (token[at] === '.' || token[at] === letter) return;
        const changed = `${token.slice(0, at)}${letter}${token.slice(at + 1)}`;
        expect(verifyCompact(NEW, 'p', changed, 16).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

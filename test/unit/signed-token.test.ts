import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../src/security/signed-token.ts';

const keys = { secrets: ['k1-0123456789abcdef0123456789abcdef'] };
const later = new Date(Date.now() + 3_600_000);

describe('signed tokens', () => {
  it('carry their payload to a verifier with the same key and purpose', () => {
    const token = signToken(keys, 'digest-action', { user: 'u1', item: 3 }, later);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyToken(keys, 'digest-action', token)).toMatchObject({ ok: true, payload: { user: 'u1', item: 3 } });
  });

  it('refuse another purpose, an expired token, a foreign key and garbage', () => {
    const token = signToken(keys, 'digest-action', { user: 'u1' }, later);
    expect(verifyToken(keys, 'oauth-state', token)).toEqual({ ok: false, reason: 'wrong-purpose' });
    expect(verifyToken(keys, 'digest-action', token, new Date(later.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyToken({ secrets: ['another-secret-0123456789abcdef01'] }, 'digest-action', token)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    for (const junk of ['', '.', 'a.b.c', 'nodot', `${token}x`]) expect(verifyToken(keys, 'digest-action', junk).ok).toBe(false);
  });

  it('refuse any change to the payload', () => {
    const token = signToken(keys, 'p', { user: 'u1' }, later);
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ p: 'p', e: Math.floor(later.getTime() / 1000), d: { user: 'u2' } })).toString('base64url')}.${signature}`;
    expect(verifyToken(keys, 'p', forged)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('keep verifying with an old key during rotation, and sign with the new one', () => {
    const old = signToken(keys, 'p', 1, later);
    const rotated = { secrets: ['k2-fedcba9876543210fedcba9876543210', ...keys.secrets] };
    expect(verifyToken(rotated, 'p', old).ok).toBe(true);
    const fresh = signToken(rotated, 'p', 2, later);
    expect(verifyToken(keys, 'p', fresh).ok).toBe(false);
  });

  it('never accept a token with a flipped character', () => {
    const token = signToken(keys, 'p', { a: 'b' }, later);
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc012_-'), (at, ch) => {
        fc.pre(token[at] !== ch && token[at] !== '.');
        const altered = token.slice(0, at) + ch + token.slice(at + 1);
        expect(verifyToken(keys, 'p', altered).ok).toBe(false);
      }),
    );
  });
});

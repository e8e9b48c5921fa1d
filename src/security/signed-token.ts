/**
 * Short, URL-safe, HMAC-signed tokens for links rekindle mails out or hands to a browser
 * (OAuth `state`, digest action links, confirmation links). A token binds a purpose and a
 * small JSON payload to an expiry; it cannot be forged, altered, reused for another purpose
 * or used after it expires. Keys rotate: the first key signs, every key verifies, so links
 * already in inboxes keep working while a new key is rolled out.
 *
 * Deliberately left out: one-time use (callers make their effects idempotent or record use).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedTokenKeys {
  /** Secrets, newest first; at least 32 bytes of entropy each. */
  secrets: readonly string[];
}

export type TokenFailure = 'malformed' | 'bad-signature' | 'wrong-purpose' | 'expired';

export type Verified<T> = { ok: true; payload: T; expiresAt: Date } | { ok: false; reason: TokenFailure };

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** `purpose` keeps a token for one use (say `digest-action`) from being accepted by another. */
export function signToken(keys: SignedTokenKeys, purpose: string, payload: unknown, expiresAt: Date): string {
  const secret = keys.secrets[0];
  if (!secret) throw new Error('signToken: no secret configured');
  const body = b64(JSON.stringify({ p: purpose, e: Math.floor(expiresAt.getTime() / 1000), d: payload }));
  return `${body}.${b64(mac(secret, body))}`;
}

export function verifyToken<T>(keys: SignedTokenKeys, purpose: string, token: string, now: Date = new Date()): Verified<T> {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  // Base64 leaves slack bits in the last character; only the canonical spelling is the signature.
  if (b64(given) !== signature) return { ok: false, reason: 'malformed' };
  const genuine = keys.secrets.some((secret) => {
    const expected = mac(secret, body);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!genuine) return { ok: false, reason: 'bad-signature' };
  let decoded: { p?: unknown; e?: unknown; d?: T };
  try {
    decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof decoded;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (decoded.p !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (typeof decoded.e !== 'number') return { ok: false, reason: 'malformed' };
  const expiresAt = new Date(decoded.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: decoded.d as T, expiresAt };
}

/**
 * Compact signed tokens for links people read in plain-text mail (the digest's entries, the
 * undo of a reply): a few fixed bytes (ids as raw UUID bytes, small numbers) and the expiry in
 * seconds, then an HMAC-SHA256 under the link's purpose cut to 96 bits (RFC 2104 allows it; a
 * guess has 1 chance in 2^96, behind the web's rate limits). A digest link is 45 characters
 * where signed JSON (src/security/signed-token.ts) took about 220.
 *
 * Keys rotate as for signed-token.ts: the first secret signs, every secret verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignedTokenKeys, TokenFailure } from './signed-token.ts';

const MAC_BYTES = 12;

function mac(secret: string, purpose: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}:${body}`).digest().subarray(0, MAC_BYTES);
}

export function signCompact(keys: SignedTokenKeys, purpose: string, payload: Buffer, expiresAt: Date): string {
  const secret = keys.secrets[0];
  if (!secret) throw new Error('signCompact: no secret configured');
  const body = Buffer.alloc(payload.length + 4);
  payload.copy(body, 0);
  body.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), payload.length);
  const encoded = body.toString('base64url');
  return `${encoded}.${mac(secret, purpose, encoded).toString('base64url')}`;
}

/** The length of a compact token's body for a payload of `bytes` bytes (to tell it from other formats). */
export function compactBodyLength(bytes: number): number {
  return Math.ceil(((bytes + 4) * 4) / 3);
}

export function verifyCompact(
  keys: SignedTokenKeys,
  purpose: string,
  token: string,
  payloadBytes: number,
  now: Date = new Date(),
): { ok: true; payload: Buffer } | { ok: false; reason: TokenFailure } {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical spelling: base64 leaves slack bits in a last character.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== signature) return { ok: false, reason: 'malformed' };
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length !== payloadBytes + 4 || bytes.toString('base64url') !== body) return { ok: false, reason: 'malformed' };
  if (!keys.secrets.some((secret) => timingSafeEqual(mac(secret, purpose, body), given))) return { ok: false, reason: 'bad-signature' };
  if (bytes.readUInt32BE(payloadBytes) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: bytes.subarray(0, payloadBytes) };
}

/** A UUID as its 16 bytes, and back. */
export function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function uuidOf(bytes: Buffer): string {
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

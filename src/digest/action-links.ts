/**
 * The digest's signed links, an alternative to replying: one per entry, leading to a page
 * where the person marks it done, snoozes it or says never (and can undo). A link is an HMAC
 * token binding the digest (which names its user) and the entry's number, expiring
 * ACTION_LINK_DAYS after the digest was made. It opens a page
 * with buttons (a GET never changes anything: link scanners fetch every URL in a mail); the
 * POST applies, idempotently.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { verifyToken, type SignedTokenKeys, type TokenFailure } from '../security/signed-token.ts';

export const ACTION_PURPOSE = 'digest-action';

/** What a link names: one entry of one digest (whose user the digest row says). */
export interface ActionLink {
  digestId: string;
  position: number;
}

export interface ActionLinkTarget extends ActionLink {
  /** Only tokens of the first format named the user; a compact token leaves it to the digest. */
  userId: string | null;
}

export interface ActionLinkSettings {
  keys: SignedTokenKeys;
  publicUrl: string;
  days: number;
}

/**
 * A compact token, short enough to read and copy from the plain-text part (45 characters,
 * where the first format, signed JSON naming the user too, took about 220): 21 bytes — the
 * digest's UUID, the entry's number, the expiry in seconds — and an HMAC-SHA256 of them under
 * this purpose, cut to 96 bits (RFC 2104 allows it; a guess still has 1 in 2^96, behind the
 * web's rate limits). The user is not in it: a digest belongs to one user, and the route reads
 * which from the digest's row.
 */
const COMPACT_BODY_BYTES = 21;
const COMPACT_MAC_BYTES = 12;

function compactMac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${ACTION_PURPOSE}:${body}`).digest().subarray(0, COMPACT_MAC_BYTES);
}

export function actionToken(keys: SignedTokenKeys, link: ActionLink, expiresAt: Date): string {
  const secret = keys.secrets[0];
  if (!secret) throw new Error('actionToken: no secret configured');
  if (!Number.isInteger(link.position) || link.position < 1 || link.position > 255) throw new Error('actionToken: position out of range');
  const body = Buffer.alloc(COMPACT_BODY_BYTES);
  Buffer.from(link.digestId.replace(/-/g, ''), 'hex').copy(body, 0);
  body.writeUInt8(link.position, 16);
  body.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), 17);
  const encoded = body.toString('base64url');
  return `${encoded}.${compactMac(secret, encoded).toString('base64url')}`;
}

/** `verb` only preselects the button on the page; the POST says what to do. */
export function actionUrl(settings: ActionLinkSettings, link: ActionLink, madeAt: Date, verb?: 'done' | 'snooze' | 'never'): string {
  const token = actionToken(settings.keys, link, new Date(madeAt.getTime() + settings.days * 86_400_000));
  return `${settings.publicUrl.replace(/\/+$/, '')}/d/${token}${verb ? `?do=${verb}` : ''}`;
}

export function readActionToken(
  keys: SignedTokenKeys,
  token: string,
  now: Date = new Date(),
): { ok: true; target: ActionLinkTarget } | { ok: false; reason: TokenFailure } {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  // The first format (signed JSON, `eyJ…`): links already in inboxes keep working until they expire.
  if (body.length !== 28) return readFirstFormat(keys, token, now);
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical spelling: base64 leaves slack bits in a last character.
  if (given.length !== COMPACT_MAC_BYTES || given.toString('base64url') !== signature) return { ok: false, reason: 'malformed' };
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length !== COMPACT_BODY_BYTES || bytes.toString('base64url') !== body) return { ok: false, reason: 'malformed' };
  if (!keys.secrets.some((secret) => timingSafeEqual(compactMac(secret, body), given))) return { ok: false, reason: 'bad-signature' };
  if (bytes.readUInt32BE(17) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  const hex = bytes.subarray(0, 16).toString('hex');
  const digestId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { ok: true, target: { digestId, position: bytes.readUInt8(16), userId: null } };
}

function readFirstFormat(
  keys: SignedTokenKeys,
  token: string,
  now: Date,
): { ok: true; target: ActionLinkTarget } | { ok: false; reason: TokenFailure } {
  const verified = verifyToken<{ u?: unknown; d?: unknown; n?: unknown }>(keys, ACTION_PURPOSE, token, now);
  if (!verified.ok) return verified;
  const { u, d, n } = verified.payload;
  if (typeof u !== 'string' || typeof d !== 'string' || typeof n !== 'number' || !Number.isInteger(n))
    return { ok: false, reason: 'malformed' };
  return { ok: true, target: { userId: u, digestId: d, position: n } };
}

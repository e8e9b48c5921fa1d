/**
 * The digest's signed links, an alternative to replying: one per entry, leading to a page
 * where the person marks it done, snoozes it or says never (and can undo). A link is an HMAC
 * token binding the digest (which names its user) and the entry's number, expiring
 * ACTION_LINK_DAYS after the digest was made. It opens a page
 * with buttons (a GET never changes anything: link scanners fetch every URL in a mail); the
 * POST applies, idempotently.
 */
import { compactBodyLength, signCompact, uuidBytes, uuidOf, verifyCompact } from '../security/compact-token.ts';
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
 * A compact token (src/security/compact-token.ts), short enough to read and copy from the
 * plain-text part: 45 characters, where the first format, signed JSON naming the user too,
 * took about 220. Its payload is the digest's UUID and the entry's number. The user is not in
 * it: a digest belongs to one user, and the route reads which from the digest's row.
 */
const PAYLOAD_BYTES = 17;

export function actionToken(keys: SignedTokenKeys, link: ActionLink, expiresAt: Date): string {
  if (!Number.isInteger(link.position) || link.position < 1 || link.position > 255) throw new Error('actionToken: position out of range');
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  uuidBytes(link.digestId).copy(payload, 0);
  payload.writeUInt8(link.position, 16);
  return signCompact(keys, ACTION_PURPOSE, payload, expiresAt);
}

/** `verb` only preselects the button on the page; the POST says what to do. */
export function actionUrl(settings: ActionLinkSettings, link: ActionLink, madeAt: Date, verb?: 'done' | 'snooze' | 'never'): string {
  const token = actionToken(settings.keys, link, new Date(madeAt.getTime() + settings.days * 86_400_000));
  return `${settings.publicUrl.replace(/\/+$/, '')}/d/${token}${verb ? `?do=${verb}` : ''}`;
}

/**
 * Every link of one digest (made at `madeAt`): an entry's token is signed once, however many
 * links carry it (the entry's page and its three verbs differ only in `?do=`).
 */
export function digestActionUrls(
  settings: ActionLinkSettings,
  digestId: string,
  madeAt: Date,
): (position: number, verb?: 'done' | 'snooze' | 'never') => string {
  const pages = new Map<number, string>();
  return (position, verb) => {
    let page = pages.get(position);
    if (page === undefined) {
      page = actionUrl(settings, { digestId, position }, madeAt);
      pages.set(position, page);
    }
    return verb ? `${page}?do=${verb}` : page;
  };
}

export function readActionToken(
  keys: SignedTokenKeys,
  token: string,
  now: Date = new Date(),
): { ok: true; target: ActionLinkTarget } | { ok: false; reason: TokenFailure } {
  // The first format (signed JSON, `eyJ…`): links already in inboxes keep working until they expire.
  if (token.split('.')[0]!.length !== compactBodyLength(PAYLOAD_BYTES)) return readFirstFormat(keys, token, now);
  const read = verifyCompact(keys, ACTION_PURPOSE, token, PAYLOAD_BYTES, now);
  if (!read.ok) return read;
  return { ok: true, target: { digestId: uuidOf(read.payload), position: read.payload.readUInt8(16), userId: null } };
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

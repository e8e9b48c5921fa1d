/**
 * The web's undo for one journal entry (GET /undo/:token shows what it would take back, POST
 * takes it back), linked from a reply's confirmation and from the page that confirms a held
 * reply. Like the digest's links it is a compact HMAC token (src/security/compact-token.ts,
 * purpose `verdict-undo`, 44 characters) binding the journal entry, whose row names its user,
 * and it expires. Links of the first format (signed JSON naming the user too) keep working.
 */
import { compactBodyLength, signCompact, uuidBytes, uuidOf, verifyCompact } from '../security/compact-token.ts';
import { verifyToken, type SignedTokenKeys, type TokenFailure } from '../security/signed-token.ts';

export const UNDO_PURPOSE = 'verdict-undo';
/** How long an undo link works. */
export const UNDO_LINK_DAYS = 30;

export interface UndoTarget {
  /** Named by links of the first format only; a compact token leaves it to the journal entry. */
  userId: string | null;
  entryId: string;
}

export function undoUrl(keys: SignedTokenKeys, publicUrl: string, target: { entryId: string }, madeAt: Date): string {
  const token = signCompact(keys, UNDO_PURPOSE, uuidBytes(target.entryId), new Date(madeAt.getTime() + UNDO_LINK_DAYS * 86_400_000));
  return `${publicUrl.replace(/\/+$/, '')}/undo/${token}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function readUndoToken(
  keys: SignedTokenKeys,
  token: string,
  now?: Date,
): { ok: true; target: UndoTarget } | { ok: false; reason: TokenFailure } {
  if (token.split('.')[0]!.length === compactBodyLength(16)) {
    const read = verifyCompact(keys, UNDO_PURPOSE, token, 16, now);
    return read.ok ? { ok: true, target: { userId: null, entryId: uuidOf(read.payload) } } : read;
  }
  const verified = verifyToken<{ u?: unknown; j?: unknown }>(keys, UNDO_PURPOSE, token, now);
  if (!verified.ok) return verified;
  const { u, j } = verified.payload ?? {};
  if (typeof u !== 'string' || typeof j !== 'string' || !UUID.test(u) || !UUID.test(j)) return { ok: false, reason: 'malformed' };
  return { ok: true, target: { userId: u, entryId: j } };
}

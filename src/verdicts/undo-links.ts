/**
 * The web's undo for one journal entry (GET /undo/:token shows what it would take back, POST
 * takes it back), linked from a reply's confirmation and from the page that confirms a held
 * reply. Like the digest's links it is an HMAC token (src/security/signed-token.ts, purpose
 * `verdict-undo`) binding the user and the entry, and it expires.
 */
import { signToken, verifyToken, type SignedTokenKeys, type TokenFailure } from '../security/signed-token.ts';

export const UNDO_PURPOSE = 'verdict-undo';
/** How long an undo link works. */
export const UNDO_LINK_DAYS = 30;

export interface UndoTarget {
  userId: string;
  entryId: string;
}

export function undoUrl(keys: SignedTokenKeys, publicUrl: string, target: UndoTarget, madeAt: Date): string {
  const token = signToken(
    keys,
    UNDO_PURPOSE,
    { u: target.userId, j: target.entryId },
    new Date(madeAt.getTime() + UNDO_LINK_DAYS * 86_400_000),
  );
  return `${publicUrl.replace(/\/+$/, '')}/undo/${token}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function readUndoToken(
  keys: SignedTokenKeys,
  token: string,
  now?: Date,
): { ok: true; target: UndoTarget } | { ok: false; reason: TokenFailure } {
  const verified = verifyToken<{ u?: unknown; j?: unknown }>(keys, UNDO_PURPOSE, token, now);
  if (!verified.ok) return verified;
  const { u, j } = verified.payload ?? {};
  if (typeof u !== 'string' || typeof j !== 'string' || !UUID.test(u) || !UUID.test(j)) return { ok: false, reason: 'malformed' };
  return { ok: true, target: { userId: u, entryId: j } };
}

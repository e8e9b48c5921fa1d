/**
 * The digest's signed links, an alternative to replying: one per entry, leading to a page
 * where the person marks it done, snoozes it or says never (and can undo). A link is an HMAC
 * token (src/security/signed-token.ts, purpose `digest-action`) binding the user, the digest
 * and the entry's number, expiring ACTION_LINK_DAYS after the digest was made. It opens a page
 * with buttons (a GET never changes anything: link scanners fetch every URL in a mail); the
 * POST applies, idempotently.
 */
import { signToken, verifyToken, type SignedTokenKeys, type TokenFailure } from '../security/signed-token.ts';

export const ACTION_PURPOSE = 'digest-action';

export interface ActionLinkTarget {
  userId: string;
  digestId: string;
  position: number;
}

export interface ActionLinkSettings {
  keys: SignedTokenKeys;
  publicUrl: string;
  days: number;
}

export function actionToken(keys: SignedTokenKeys, target: ActionLinkTarget, expiresAt: Date): string {
  return signToken(keys, ACTION_PURPOSE, { u: target.userId, d: target.digestId, n: target.position }, expiresAt);
}

/** `verb` only preselects the button on the page; the POST says what to do. */
export function actionUrl(
  settings: ActionLinkSettings,
  target: ActionLinkTarget,
  madeAt: Date,
  verb?: 'done' | 'snooze' | 'never',
): string {
  const token = actionToken(settings.keys, target, new Date(madeAt.getTime() + settings.days * 86_400_000));
  return `${settings.publicUrl.replace(/\/+$/, '')}/d/${token}${verb ? `?do=${verb}` : ''}`;
}

export function readActionToken(
  keys: SignedTokenKeys,
  token: string,
  now?: Date,
): { ok: true; target: ActionLinkTarget } | { ok: false; reason: TokenFailure } {
  const verified = verifyToken<{ u?: unknown; d?: unknown; n?: unknown }>(keys, ACTION_PURPOSE, token, now);
  if (!verified.ok) return verified;
  const { u, d, n } = verified.payload;
  if (typeof u !== 'string' || typeof d !== 'string' || typeof n !== 'number' || !Number.isInteger(n))
    return { ok: false, reason: 'malformed' };
  return { ok: true, target: { userId: u, digestId: d, position: n } };
}

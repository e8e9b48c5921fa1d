/** Whose journal entry an undo link (src/verdicts/undo-links.ts) names; the token is the authority, as for the digest's links. */
import type { Sql } from '../db/client.ts';
import type { SignedTokenKeys } from '../security/signed-token.ts';
import { readUndoToken, type UndoTarget } from '../verdicts/undo-links.ts';

/** The link's target, or why it is refused (`entry-gone` when its journal entry is). */
export async function undoTarget(
  sql: Sql,
  keys: SignedTokenKeys,
  token: string,
): Promise<{ ok: true; target: UndoTarget & { userId: string } } | { ok: false; reason: string }> {
  const read = readUndoToken(keys, token);
  if (!read.ok) return { ok: false, reason: read.reason };
  const { target } = read;
  if (target.userId !== null) return { ok: true, target: { ...target, userId: target.userId } };
  // A compact token names the journal entry only; its row says whose it is.
  const [entry] = await sql<{ userId: string }[]>`select user_id as "userId" from verdict_journal where id = ${target.entryId}`;
  return entry ? { ok: true, target: { ...target, userId: entry.userId } } : { ok: false, reason: 'entry-gone' };
}

/** The user's timezone, for the dates an undo page shows. */
export async function userTimezone(sql: Sql, userId: string): Promise<string> {
  return (await sql<{ timezone: string }[]>`select timezone from users where id = ${userId}`)[0]?.timezone ?? 'UTC';
}

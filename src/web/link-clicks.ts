/**
 * What a digest link (src/digest/action-links.ts) reaches and does. The token is the
 * authority: it names the user, the digest and the entry, so no session is needed and nothing
 * else can be reached with it. Each click is an entry of the one journal of src/verdicts/ (so a
 * reply's "undo" takes it back too), the same click again changes nothing, and this link's
 * `undo` takes back everything done through it, unless the person was changed again since.
 */
import type { Sql } from '../db/client.ts';
import { type ActionLinkTarget, readActionToken } from '../digest/action-links.ts';
import { type LinkedItem, linkedItem } from '../digest/find-digest.ts';
import { addDuration } from '../replies/parse-commands.ts';
import type { SignedTokenKeys } from '../security/signed-token.ts';
import { applyVerdicts, type Verdict } from '../verdicts/apply-verdicts.ts';
import { readContactState } from '../verdicts/contact-state.ts';
import { type MarkState, standingEntries } from '../verdicts/journal.ts';
import { undoLink } from '../verdicts/undo-verdicts.ts';

export type LinkTarget = ActionLinkTarget & { userId: string };
export type LinkClick = { verb: 'done' | 'never' | 'undo' } | { verb: 'snooze'; duration: string };
export type LinkOutcome =
  | { item: LinkedItem; result: 'undone' | 'kept' | 'nothing-to-undo' }
  | { item: LinkedItem; result: 'applied' | 'already'; mark: MarkState | null };

/** The link's target, or why it is refused (`invalid` also when its digest is gone). */
export async function linkTarget(
  sql: Sql,
  keys: SignedTokenKeys,
  token: string,
): Promise<{ ok: true; target: LinkTarget } | { ok: false; reason: string }> {
  const read = readActionToken(keys, token);
  if (!read.ok) return { ok: false, reason: read.reason };
  const { target } = read;
  if (target.userId !== null) return { ok: true, target: { ...target, userId: target.userId } };
  // A compact token names the digest only; its row says whose it is.
  const [digest] = await sql<{ userId: string }[]>`select user_id as "userId" from digests where id = ${target.digestId}`;
  return digest ? { ok: true, target: { ...target, userId: digest.userId } } : { ok: false, reason: 'digest-gone' };
}

/** The entry a link names, the person's mark now, and whether anything was done through this link that still stands. */
export async function linkPageState(
  sql: Sql,
  target: LinkTarget,
): Promise<{ item: LinkedItem; mark: MarkState | null; acted: boolean } | null> {
  const item = await linkedItem(sql, target);
  if (!item) return null;
  return sql.begin(async (tx) => ({
    item,
    mark: (await readContactState(tx, target.userId, item.contact)).mark,
    acted: (await standingEntries(tx, target.userId, 'link', `${target.digestId}/${target.position}`)).length > 0,
  }));
}

export function displayName(item: Pick<LinkedItem, 'name' | 'email'>): string {
  return item.name ?? item.email;
}

/** Applies one click as a verdict (or this link's undo); null when the link's entry is gone. */
export async function applyLinkClick(sql: Sql, target: LinkTarget, click: LinkClick, now: Date): Promise<LinkOutcome | null> {
  return sql.begin(async (tx) => {
    const item = await linkedItem(tx, target);
    if (!item) return null;
    const link = { digestId: target.digestId, position: target.position };
    if (click.verb === 'undo') {
      const undone = await undoLink(tx, target.userId, link, now);
      if (!undone) return { item, result: 'nothing-to-undo' as const };
      return { item, result: undone.restored.length > 0 ? ('undone' as const) : ('kept' as const) };
    }
    const who = { contact: item.contact, name: displayName(item), position: target.position };
    const verdict: Verdict =
      click.verb === 'snooze'
        ? { verb: 'snooze', who, until: addDuration(now, click.duration), duration: click.duration }
        : { verb: click.verb, who };
    const applied = await applyVerdicts(tx, target.userId, [verdict], { source: 'link', ...link }, now);
    const mark = (await readContactState(tx, target.userId, item.contact)).mark;
    return { item, result: applied.already ? ('already' as const) : ('applied' as const), mark };
  });
}

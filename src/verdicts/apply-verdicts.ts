/**
 * The single owner of what a user says, about a person — done, snooze, never, met (we met or
 * called on a day), cadence (how often they expect to be in touch, or back to the learned
 * rhythm) — and about their list — pause, resume, stop, more, and rekindle's own pause after a
 * bounce or a complaint. Replies, digest links, the settings page, the unsubscribe link and
 * bounce reports only translate into verdicts, call applyVerdicts, and render what it did.
 *
 * Each call is one journal entry (src/verdicts/journal.ts) with every change it made, so undo
 * from any channel takes it back (src/verdicts/undo-verdicts.ts). Writers of one user are
 * serialized by a lock on their row, taken here.
 */
import { randomUUID } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import { queueMoreList } from '../digest/schedule-digests.ts';
import { readContactState, writeContactState } from './contact-state.ts';
import { insertEntry, lockUser, sameMark, standingEntries, type JournalChange, type MarkState, type PersonRef } from './journal.ts';
import { nextListState, readListState, sameListState, writeListState } from './list-state.ts';

/** "more" lists one user may ask for in seven days. */
export const MORE_PER_WEEK = 3;

export type Verdict =
  | { verb: 'done' | 'never'; who: PersonRef }
  /** `duration` (e.g. `1m`) when the snooze was asked as one: a link clicked twice with the same one changes nothing. */
  | { verb: 'snooze'; who: PersonRef; until: Date; duration?: string }
  /** In touch on that day, outside mail: the person counts as contacted then. */
  | { verb: 'met'; who: PersonRef; on: Date }
  /** The expected gap between conversations, in days; null: back to the rhythm learned from mail. */
  | { verb: 'cadence'; who: PersonRef; days: number | null }
  | { verb: 'pause' | 'resume' | 'stop' }
  /** rekindle's own pause: the last list bounced for good, or was reported as spam. */
  | { verb: 'bounce'; reason: 'bounced' | 'complaint' }
  /** A list of the next people now, for the week of the list answered. */
  | { verb: 'more'; weekOf: string; recipient: string; messageIdDomain: string };

/** Where verdicts came from, with what that source names (see verdict_journal.ref). */
export type Source =
  | { source: 'reply'; replyId: string }
  | { source: 'link'; digestId: string; position: number }
  | { source: 'settings' }
  /** The web's "who is due" page (signed in, CSRF-checked). */
  | { source: 'web' }
  | { source: 'unsubscribe'; digestId: string }
  | { source: 'bounce'; replyId: string };

export interface Applied {
  /** The journal entry; null when nothing changed (the verdicts may still hold: "never" of someone never suggested). */
  entryId: string | null;
  changes: JournalChange[];
  /** A link's verdict that is already the standing one (the same button again, or a scanner replaying it): nothing was done. */
  already: boolean;
  /** What a "more" did: a list queued (to send now), or the weekly limit reached. */
  more: { digestId: string } | { limit: number } | null;
}

export function refOf(source: Source): string | null {
  switch (source.source) {
    case 'reply':
    case 'bounce':
      return source.replyId;
    case 'link':
      return `${source.digestId}/${source.position}`;
    case 'unsubscribe':
      return source.digestId;
    case 'settings':
    case 'web':
      return null;
  }
}

export async function applyVerdicts(
  tx: TransactionSql,
  userId: string,
  verdicts: Verdict[],
  source: Source,
  now = new Date(),
): Promise<Applied> {
  if (!(await lockUser(tx, userId))) return { entryId: null, changes: [], already: false, more: null };
  const ref = refOf(source);
  if (source.source === 'link' && ref && (await isStanding(tx, userId, ref, verdicts)))
    return { entryId: null, changes: [], already: true, more: null };

  const entryId = randomUUID();
  const changes: JournalChange[] = [];
  let more: Applied['more'] = null;
  for (const verdict of verdicts) {
    switch (verdict.verb) {
      case 'done':
      case 'never':
      case 'snooze': {
        const { who } = verdict;
        const before = (await readContactState(tx, userId, who.contact)).mark;
        const after: MarkState = {
          status: verdict.verb === 'snooze' ? 'snoozed' : verdict.verb,
          markedAt: now.toISOString(),
          until: verdict.verb === 'snooze' ? verdict.until.toISOString() : null,
        };
        await writeContactState(tx, userId, who.contact, { mark: after });
        const duration = verdict.verb === 'snooze' && verdict.duration ? { duration: verdict.duration } : {};
        changes.push({ kind: 'mark', ...person(who), verb: verdict.verb, before, after, ...duration });
        break;
      }
      case 'met': {
        const { who } = verdict;
        const before = (await readContactState(tx, userId, who.contact)).metAt;
        // The latest known meeting is what counts; an earlier one said later changes nothing.
        if (before !== null && new Date(before).getTime() >= verdict.on.getTime()) break;
        const after = verdict.on.toISOString();
        await writeContactState(tx, userId, who.contact, { metAt: after });
        changes.push({ kind: 'met', ...person(who), before, after });
        break;
      }
      case 'cadence': {
        const { who } = verdict;
        const before = (await readContactState(tx, userId, who.contact)).cadenceDays;
        if (before === verdict.days) break;
        await writeContactState(tx, userId, who.contact, { cadenceDays: verdict.days });
        changes.push({ kind: 'cadence', ...person(who), before, after: verdict.days });
        break;
      }
      case 'pause':
      case 'resume':
      case 'stop':
      case 'bounce': {
        const before = await readListState(tx, userId);
        if (!before) break;
        const after = nextListState(before, verdict.verb, now, verdict.verb === 'bounce' ? verdict.reason : undefined);
        if (sameListState(before, after)) break;
        await writeListState(tx, userId, after);
        changes.push({ kind: 'list', verb: verdict.verb, before, after });
        break;
      }
      case 'more': {
        if (more) break;
        const { weekOf, recipient, messageIdDomain } = verdict;
        more = await queueMoreList(tx, { userId, weekOf, recipient, requestedBy: entryId, now, messageIdDomain, perWeek: MORE_PER_WEEK });
        break;
      }
    }
  }
  const queued = more !== null && 'digestId' in more;
  if (changes.length === 0 && !queued) return { entryId: null, changes, already: false, more };
  await insertEntry(tx, { id: entryId, userId, source: source.source, ref, changes, appliedAt: now });
  return { entryId, changes, already: false, more };
}

function person(who: PersonRef): PersonRef {
  return { contact: who.contact, name: who.name, position: who.position };
}

/**
 * A link's one verdict is the one standing already: the newest entry of that link did the
 * same (a snooze for the same duration), and nothing changed that person's mark since.
 */
async function isStanding(tx: TransactionSql, userId: string, ref: string, verdicts: Verdict[]): Promise<boolean> {
  const [verdict] = verdicts;
  if (verdicts.length !== 1 || !verdict || (verdict.verb !== 'done' && verdict.verb !== 'never' && verdict.verb !== 'snooze')) return false;
  const [latest] = await standingEntries(tx, userId, 'link', ref);
  const change = latest?.changes.at(-1);
  if (!change || change.kind !== 'mark' || change.verb !== verdict.verb) return false;
  if (verdict.verb === 'snooze' && change.duration !== verdict.duration) return false;
  return sameMark((await readContactState(tx, userId, change.contact)).mark, change.after);
}

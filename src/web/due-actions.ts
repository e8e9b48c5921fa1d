/**
 * What the "who is due" page's buttons do (POST /due/act, /due/undo): an adapter onto
 * src/verdicts/, like the links and replies. One button is one verdict and one journal entry
 * (source `web`); an undo takes one entry back (undoEntry: what changed again since stays).
 * Both act only on the user's own people and entries: anything else is null, and reaches nothing.
 */
import type { Sql } from '../db/client.ts';
import { addDuration, rhythmDays } from '../replies/parse-commands.ts';
import { type Applied, applyVerdicts, type Verdict } from '../verdicts/apply-verdicts.ts';
import { entryById, type JournalEntry } from '../verdicts/journal.ts';
import { undoEntry } from '../verdicts/undo-verdicts.ts';
import { chosen, RHYTHMS, SNOOZES } from './choices.ts';
import { isUuid } from './web-deps.ts';

export type DueAction = { verb: 'done' | 'never' | 'met' } | { verb: 'snooze'; snooze: string } | { verb: 'every'; rhythm: string };
export type DueUndoResult = 'already' | 'restored' | 'kept' | 'partly';

/** Longer than any normalized address rekindle keys a person by. */
const MAX_CONTACT_LENGTH = 512;

/** The button pressed, or null when it is none the page offers. */
export function readDueAction(form: Record<string, string>): DueAction | null {
  const verb = form.do;
  const snooze = chosen(SNOOZES, form.for);
  const rhythm = chosen(RHYTHMS, form.every);
  if (verb === 'done' || verb === 'never' || verb === 'met') return { verb };
  if (verb === 'snooze' && snooze) return { verb, snooze };
  if (verb === 'every' && rhythm) return { verb, rhythm };
  return null;
}

/** Applies one button to one of the user's own people; null when `contact` is not one of theirs. */
export async function actOnPerson(sql: Sql, userId: string, contact: string, action: DueAction, now: Date): Promise<Applied | null> {
  if (contact === '' || contact.length > MAX_CONTACT_LENGTH) return null;
  return sql.begin(async (tx) => {
    // Only the user's own people: a contact, or someone they have interactions or a mark with.
    const [person] = await tx<{ name: string | null; email: string }[]>`
      select name, email from contacts where user_id = ${userId} and contact = ${contact}
      union all
      select null, ${contact} where exists (select 1 from contact_marks where user_id = ${userId} and contact = ${contact})
         or exists (select 1 from interactions where user_id = ${userId} and contact = ${contact})
      limit 1`;
    if (!person) return null;
    const who = { contact, name: person.name ?? person.email, position: null };
    const verdict: Verdict =
      action.verb === 'snooze'
        ? { verb: 'snooze', who, until: addDuration(now, action.snooze), duration: action.snooze }
        : action.verb === 'met'
          ? { verb: 'met', who, on: now }
          : action.verb === 'every'
            ? { verb: 'cadence', who, days: rhythmDays(action.rhythm) }
            : { verb: action.verb, who };
    return applyVerdicts(tx, userId, [verdict], { source: 'web' }, now);
  });
}

/** Takes back one of the user's own journal entries; null when `entryId` is not one of theirs. */
export async function undoDueEntry(sql: Sql, userId: string, entryId: string): Promise<DueUndoResult | null> {
  if (!isUuid(entryId)) return null;
  const undone = await sql.begin((tx) => undoEntry(tx, userId, entryId, 'web'));
  if (!undone) return null;
  return undone === 'already' ? 'already' : undone.kept.length === 0 ? 'restored' : undone.restored.length === 0 ? 'kept' : 'partly';
}

/** One of the user's own journal entries, for the notice after a POST; null for anything else. */
export async function ownEntry(sql: Sql, userId: string, id: string | undefined): Promise<JournalEntry | null> {
  if (!id || !isUuid(id)) return null;
  return sql.begin((tx) => entryById(tx, userId, id));
}

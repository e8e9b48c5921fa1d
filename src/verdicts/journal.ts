/**
 * The one journal of what users said (table verdict_journal): each application of verdicts —
 * a reply, a click on a digest link, a settings form, an unsubscribe, a bounce — is one entry
 * holding every change it made, each with its state before and after. Undo, whatever channel
 * asks for it, reads entries from here and restores `before` wherever `after` still stands.
 *
 * States are stored as JSON with instants as ISO strings. Rows migrated from the old journals
 * carry Postgres' own timestamp format, so states are compared as instants, never as text.
 */
import type { TransactionSql } from 'postgres';
import type { MarkStatus, VerdictSource } from '../db/schema.ts';

/** A done / snoozed / never mark, as contact_marks holds it. */
export interface MarkState {
  status: MarkStatus;
  markedAt: string;
  until: string | null;
}

export type PauseReason = 'user' | 'bounced' | 'complaint';

/** Whether the weekly list goes out: the user's pause (or rekindle's, after a bounce) and their unsubscribe. */
export interface ListState {
  pausedAt: string | null;
  pausedReason: PauseReason | null;
  stoppedAt: string | null;
}

/** The person a verdict is about, and how the user named them (the number in the list they answered). */
export interface PersonRef {
  contact: string;
  name: string;
  position: number | null;
}

export type JournalChange =
  | (PersonRef & { kind: 'mark'; verb: 'done' | 'snooze' | 'never'; before: MarkState | null; after: MarkState | null; duration?: string })
  | (PersonRef & { kind: 'met'; before: string | null; after: string | null })
  | (PersonRef & { kind: 'cadence'; before: number | null; after: number | null })
  /** `verb` is absent on changes migrated from the reply journal. */
  | { kind: 'list'; verb?: 'pause' | 'resume' | 'stop' | 'bounce'; before: ListState; after: ListState };

export interface JournalEntry {
  id: string;
  source: VerdictSource;
  ref: string | null;
  changes: JournalChange[];
  appliedAt: Date;
  undoneAt: Date | null;
}

/** Serializes every writer of one user's verdicts (replies, links, settings, bounces, account deletion). */
export async function lockUser(tx: TransactionSql, userId: string): Promise<boolean> {
  const rows = await tx`select 1 from users where id = ${userId} for update`;
  return rows.length > 0;
}

export async function insertEntry(
  tx: TransactionSql,
  entry: { id: string; userId: string; source: VerdictSource; ref: string | null; changes: JournalChange[]; appliedAt: Date },
): Promise<void> {
  await tx`
    insert into verdict_journal (id, user_id, source, ref, changes, applied_at)
    values (${entry.id}, ${entry.userId}, ${entry.source}, ${entry.ref}, ${tx.json(entry.changes as never)}, ${entry.appliedAt})`;
}

const SELECT = (tx: TransactionSql) =>
  tx`select id, source, ref, changes, applied_at as "appliedAt", undone_at as "undoneAt" from verdict_journal`;

/** The newest entry a user may take back: not undone, with changes, made by the user (a bounce is rekindle's, not theirs). */
export async function latestUndoable(tx: TransactionSql, userId: string): Promise<JournalEntry | null> {
  const [row] = await tx<JournalEntry[]>`
    ${SELECT(tx)} where user_id = ${userId} and undone_at is null and source <> 'bounce' and jsonb_array_length(changes) > 0
     order by seq desc limit 1`;
  return row ?? null;
}

export async function entryById(tx: TransactionSql, userId: string, id: string): Promise<JournalEntry | null> {
  const [row] = await tx<JournalEntry[]>`${SELECT(tx)} where user_id = ${userId} and id = ${id}`;
  return row ?? null;
}

/** Entries of one source and reference still standing, newest first. */
export async function standingEntries(tx: TransactionSql, userId: string, source: VerdictSource, ref: string): Promise<JournalEntry[]> {
  return tx<JournalEntry[]>`
    ${SELECT(tx)} where user_id = ${userId} and source = ${source} and ref = ${ref} and undone_at is null and jsonb_array_length(changes) > 0
     order by seq desc`;
}

export async function markUndone(tx: TransactionSql, id: string, via: VerdictSource, now: Date): Promise<void> {
  await tx`update verdict_journal set undone_at = ${now}, undone_via = ${via} where id = ${id}`;
}

/** Two instants (ISO strings, Postgres timestamps or null) are the same moment. */
export function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return a == null && b == null;
  return new Date(a).getTime() === new Date(b).getTime();
}

export function sameMark(a: MarkState | null, b: MarkState | null): boolean {
  if (!a || !b) return !a && !b;
  return a.status === b.status && sameInstant(a.markedAt, b.markedAt) && sameInstant(a.until, b.until);
}

/**
 * For each person, the newest entry still standing that changed them, when it changed nobody
 * else and nothing of the list: what a per-person undo (the web's "who is due") takes back.
 * A person whose newest entry also changed others (a reply saying "done 1 3") gets none:
 * taking it back would change those others too.
 */
export async function newestEntriesAbout(
  tx: TransactionSql,
  userId: string,
  contacts: readonly string[],
): Promise<Map<string, JournalEntry>> {
  if (contacts.length === 0) return new Map();
  const rows = await tx<(JournalEntry & { about: string })[]>`
    select distinct on (c.contact) c.contact as about, j.id, j.source, j.ref, j.changes, j.applied_at as "appliedAt", j.undone_at as "undoneAt"
      from verdict_journal j, jsonb_array_elements(j.changes) e, lateral (select e->>'contact' as contact) c
     where j.user_id = ${userId} and j.undone_at is null and j.source <> 'bounce' and c.contact = any(${contacts as string[]})
     order by c.contact, j.seq desc`;
  const entries = new Map<string, JournalEntry>();
  for (const { about, ...entry } of rows) {
    if (entry.changes.every((change) => change.kind !== 'list' && change.contact === about)) entries.set(about, entry);
  }
  return entries;
}

/**
 * Undo, from any channel, over the one journal: the newest entry (a reply's "undo"), one named
 * entry (the undo link in a confirmation), or everything one digest link did (that link's own
 * undo button). Each change is taken back only while what it wrote still stands: a change made
 * since — by another channel, or by rekindle after a bounce — is never overwritten; it is
 * reported as kept instead.
 */
import type { TransactionSql } from 'postgres';
import type { VerdictSource } from '../db/schema.ts';
import { readContactState, writeContactState } from './contact-state.ts';
import {
  entryById,
  latestUndoable,
  lockUser,
  markUndone,
  sameInstant,
  sameMark,
  standingEntries,
  type JournalChange,
  type JournalEntry,
} from './journal.ts';
import { readListState, takeBackList, writeListState } from './list-state.ts';

export interface Undone {
  /** What was taken back: where it was said, and when. */
  source: VerdictSource;
  appliedAt: Date;
  /** Changes restored to their state before. */
  restored: JournalChange[];
  /** Changes left as they are because something changed them since. */
  kept: JournalChange[];
}

/** Takes back the user's newest verdicts still standing (any channel but rekindle's own bounce pause). Null: nothing to take back. */
export async function undoLast(tx: TransactionSql, userId: string, via: VerdictSource, now = new Date()): Promise<Undone | null> {
  if (!(await lockUser(tx, userId))) return null;
  const entry = await latestUndoable(tx, userId);
  return entry ? takeBack(tx, userId, entry, via, now) : null;
}

/** Takes back one entry; `already` when it was taken back before, null when the user has no such entry. */
export async function undoEntry(
  tx: TransactionSql,
  userId: string,
  entryId: string,
  via: VerdictSource,
  now = new Date(),
): Promise<Undone | 'already' | null> {
  if (!(await lockUser(tx, userId))) return null;
  const entry = await entryById(tx, userId, entryId);
  if (!entry || entry.source === 'bounce') return null;
  if (entry.undoneAt) return 'already';
  return takeBack(tx, userId, entry, via, now);
}

/** Takes back everything done through one digest link, newest first. Null when it did nothing that still stands. */
export async function undoLink(
  tx: TransactionSql,
  userId: string,
  link: { digestId: string; position: number },
  now = new Date(),
): Promise<Undone | null> {
  if (!(await lockUser(tx, userId))) return null;
  const entries = await standingEntries(tx, userId, 'link', `${link.digestId}/${link.position}`);
  if (entries.length === 0) return null;
  const all: Undone = { source: 'link', appliedAt: entries.at(-1)!.appliedAt, restored: [], kept: [] };
  for (const entry of entries) {
    const undone = await takeBack(tx, userId, entry, 'link', now);
    all.restored.push(...undone.restored);
    all.kept.push(...undone.kept);
  }
  return all;
}

/** The journal entry a user may read (for an undo page): null when it is not theirs. */
export async function loadEntry(tx: TransactionSql, userId: string, entryId: string): Promise<JournalEntry | null> {
  return entryById(tx, userId, entryId);
}

async function takeBack(tx: TransactionSql, userId: string, entry: JournalEntry, via: VerdictSource, now: Date): Promise<Undone> {
  const undone: Undone = { source: entry.source, appliedAt: entry.appliedAt, restored: [], kept: [] };
  for (const change of [...entry.changes].reverse()) {
    (await takeBackChange(tx, userId, change)) ? undone.restored.push(change) : undone.kept.push(change);
  }
  await markUndone(tx, entry.id, via, now);
  return undone;
}

/** Restores one change's `before` if its `after` still stands; false when it does not. */
async function takeBackChange(tx: TransactionSql, userId: string, change: JournalChange): Promise<boolean> {
  if (change.kind === 'list') {
    const current = await readListState(tx, userId);
    if (!current) return false;
    const { state, conflict } = takeBackList(current, change.before, change.after);
    if (state) await writeListState(tx, userId, state);
    return state !== null && !conflict;
  }
  const current = await readContactState(tx, userId, change.contact);
  switch (change.kind) {
    case 'mark':
      if (!sameMark(current.mark, change.after)) return false;
      await writeContactState(tx, userId, change.contact, { mark: change.before });
      return true;
    case 'met':
      if (!sameInstant(current.metAt, change.after)) return false;
      await writeContactState(tx, userId, change.contact, { metAt: change.before });
      return true;
    case 'cadence':
      if (current.cadenceDays !== change.after) return false;
      await writeContactState(tx, userId, change.contact, { cadenceDays: change.before });
      return true;
  }
}

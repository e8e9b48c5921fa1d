import type { Sql } from 'postgres';
import { contactsAsOf, type StoreJson } from '../contact-store/contacts-as-of.ts';
import { selectReconnects, type ReconnectCandidate } from '../contacts/select-reconnects.ts';
import { loadEntryContext } from './load-entry-context.ts';
import type { ContactMark } from '../contacts/select-reconnects.ts';
import { loadLastSuggested, loadMarks } from './load-marks.ts';
import type { DigestEntry } from './render-digest.ts';

export interface ChosenList {
  candidates: ReconnectCandidate[];
  entries: DigestEntry[];
}

/**
 * The people a digest for this user would list as of `asOf`, numbered from 1: the user's
 * contacts as of that instant (contactsAsOf: the stored ones, with whoever changed since
 * inferred again), the user's marks, who earlier digests suggested (they rest a while), and
 * curation; then, for the people listed, the context to write (load-entry-context.ts).
 * `rekindle digest preview` and the send job both call this, so a preview is
 * exactly what would be sent. The send job reads the store, the marks and the earlier
 * suggestions in the statement that claims its digest (`read`): three round trips fewer.
 */
export async function chooseEntries(
  sql: Sql,
  userId: string,
  asOf: Date,
  budget: number,
  read?: { store: StoreJson; marks: Map<string, ContactMark>; lastSuggested: Map<string, Date> },
): Promise<ChosenList> {
  const [{ contacts }, marks, lastSuggested] = await Promise.all([
    contactsAsOf(sql, userId, asOf, read?.store),
    read?.marks ?? loadMarks(sql, userId),
    read?.lastSuggested ?? loadLastSuggested(sql, userId, asOf),
  ]);
  const candidates = selectReconnects(contacts, marks, { asOf, budget, lastSuggested });
  const context = await loadEntryContext(sql, userId, asOf, candidates, contacts, marks);
  return {
    candidates,
    entries: candidates.map((c, i) => ({
      position: i + 1,
      contact: c.contact.key,
      email: c.contact.email,
      name: c.contact.name,
      reason: c.reason,
      lastContactAt: c.lastContactAt,
      cadenceDays: c.contact.cadenceDays,
      lastSubject: c.contact.lastSubject,
      context: context[i]!,
    })),
  };
}

/**
 * The lists the next digests would likely hold, one per date (ascending), for the web's "who
 * is due": each chosen exactly as chooseEntries chooses a digest's (contactsAsOf at that
 * date, the marks, curation), with the people an earlier date names resting afterwards as if
 * that list had gone out — so the weeks show who comes round, not the same five four times.
 * Marks, mail and past digests are as they stand now: what the user does, and new mail,
 * change the weeks to come.
 */
export async function chooseComingLists(sql: Sql, userId: string, dates: readonly Date[], budget: number): Promise<ReconnectCandidate[][]> {
  if (dates.length === 0) return [];
  const [marks, suggested] = await Promise.all([loadMarks(sql, userId), loadLastSuggested(sql, userId, dates.at(-1)!)]);
  const resting = new Map(suggested);
  const lists: ReconnectCandidate[][] = [];
  for (const asOf of dates) {
    const { contacts } = await contactsAsOf(sql, userId, asOf);
    const candidates = selectReconnects(contacts, marks, { asOf, budget, lastSuggested: resting });
    for (const c of candidates) resting.set(c.contact.key, asOf);
    lists.push(candidates);
  }
  return lists;
}

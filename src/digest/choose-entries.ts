import type { Sql } from 'postgres';
import { loadIdentityDecisions } from '../contact-store/identity-decisions.ts';
import { loadInteractions } from '../contact-store/load-interactions.ts';
import { computeContacts } from '../contacts/compute-contacts.ts';
import { selectReconnects, type ReconnectCandidate } from '../contacts/select-reconnects.ts';
import { loadLastSuggested, loadMarks } from './load-marks.ts';
import type { DigestEntry } from './render-digest.ts';

export interface ChosenList {
  candidates: ReconnectCandidate[];
  entries: DigestEntry[];
}

/**
 * The people a digest for this user would list as of `asOf`, numbered from 1: contacts
 * computed from the stored interactions as of that instant (the same inference the workers
 * run), the user's marks, who earlier digests suggested (they rest a while), and curation. `rekindle digest preview` and the send job both call
 * this, so a preview is exactly what would be sent.
 */
export async function chooseEntries(sql: Sql, userId: string, asOf: Date, budget: number): Promise<ChosenList> {
  const [interactions, marks, identities, lastSuggested] = await Promise.all([
    loadInteractions(sql, userId),
    loadMarks(sql, userId),
    loadIdentityDecisions(sql, userId),
    loadLastSuggested(sql, userId, asOf),
  ]);
  const contacts = computeContacts(interactions, { asOf, identities });
  const candidates = selectReconnects(contacts, marks, { asOf, budget, lastSuggested });
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
    })),
  };
}

/**
 * The relevance benchmark over each corpus, through the digest's own code path: interactions
 * as the importer extracts them, contacts computed as of each date, and selectReconnects, the
 * function the weekly digest calls (no marks: each date is a first digest).
 */
import { computeContacts } from '../src/contacts/compute-contacts.ts';
import { interactionsFromMessage } from '../src/contacts/extract-interactions.ts';
import type { IdentityDecision } from '../src/contacts/identity.ts';
import { type ReconnectCandidate, selectReconnects } from '../src/contacts/select-reconnects.ts';
import type { InteractionRecord } from '../src/contacts/types.ts';
import { addressOf, type EuCorpus, mailboxOf } from './email-eu-core.ts';
import type { RawMailbox } from './raw-exchanges.ts';
import { BUDGET, scoreOwner, type Unit } from './relevance.ts';

/** Every list rekindle made, with the date and owner, for the reason checks. */
export interface Listed {
  owner: string;
  asOf: number;
  entry: ReconnectCandidate;
}

export function rekindleLists(
  interactions: readonly InteractionRecord[],
  identities: readonly IdentityDecision[],
  owner: string,
  listed: Listed[],
): (asOf: number) => string[][] {
  // Each date is computed once, however many views of the benchmark ask for it.
  const lists = new Map<number, string[][]>();
  return (asOf) => {
    const known = lists.get(asOf);
    if (known) return known;
    const date = new Date(asOf);
    const list = selectReconnects(computeContacts(interactions, { asOf: date, identities }), new Map(), { asOf: date, budget: BUDGET });
    for (const entry of list) listed.push({ owner, asOf, entry });
    const result = list.map((e) => e.contact.addresses);
    lists.set(asOf, result);
    return result;
  };
}

/** The benchmark's units, and those of the long-lost view (ties silent LONG_LOST_DAYS or more). */
export interface Scored {
  units: Unit[];
  longLost: Unit[];
}

/** The people one has lost touch with, the ones rekindle exists for: the fixed interval's 90 days. */
export const LONG_LOST_DAYS = 90;

export function relevanceOfEu(corpus: EuCorpus, listed: Listed[], mailboxes: Map<string, RawMailbox>): Scored {
  const scored: Scored = { units: [], longLost: [] };
  for (const key of [...corpus.involving.keys()].sort()) {
    const [dept, idText] = key.split(':') as [string, string];
    const id = Number(idText);
    const { metas, exchanges, inbound } = mailboxOf(corpus, dept, id);
    mailboxes.set(key, { exchanges, inbound });
    const owner = { addresses: new Set([addressOf(dept, id)]) };
    const interactions: InteractionRecord[] = [];
    for (const meta of metas)
      interactions.push(...interactionsFromMessage(meta, owner, { accountId: 'eu', storeSubjects: false }).interactions);
    const rekindle = rekindleLists(interactions, [], key, listed);
    scored.units.push(...scoreOwner(key, exchanges, rekindle));
    scored.longLost.push(...scoreOwner(key, exchanges, rekindle, LONG_LOST_DAYS));
  }
  return scored;
}

/**
 * The one road to a user's contacts: what the digest, `rekindle digest preview` and
 * `rekindle contacts` show, exactly what inference over every stored interaction gives as of
 * `asOf` (computeContacts), read from the stored contacts instead of inferring again.
 *
 * The stored contacts are as of their last recompute (contact_state.as_of). For a later
 * instant, everything else is carried forward the way the incremental recompute carries it:
 * the people who changed since — interactions arrived that the recompute job has not taken
 * yet (`dirty_contacts`), or a meeting became history — are inferred again from their own
 * interactions, in memory; every other contact only has its strength moved to `asOf`. So a
 * digest is never built from stale contacts, even while the user's recompute is still
 * queued, and reading never writes: the recompute job stays the only writer, and a reader
 * never waits for its lock.
 *
 * Everything is read in one read-only, repeatable-read transaction: the stored rows, the
 * dirty marks and the interactions of one snapshot, never a recompute half-seen. When the
 * store cannot answer — before the user's first recompute, for an instant before the last
 * one (`--as-of` in the past), or after the user's own addresses or identity decisions
 * changed and before the recompute that follows — every interaction is read and inferred,
 * as before the store existed.
 */
import type { Sql } from 'postgres';
import { computeContacts } from '../contacts/compute-contacts.ts';
import type { ContactSummary } from '../contacts/types.ts';
import { loadStoredContacts } from './contact-rows.ts';
import { inferChanged, loadDirty, loadStoredAddresses, seedsOf } from './infer-changed.ts';
import { loadInteractions } from './load-interactions.ts';
import { canCarryForward, loadStoreInputs, loadStoreState } from './store-state.ts';

export interface ContactsAsOf {
  contacts: ContactSummary[];
  /** `stored`: read from the store (plus `inferredAgain` addresses); `inferred`: every interaction read. */
  source: 'stored' | 'inferred';
  inferredAgain: number;
}

/** The user's contacts as of `asOf`, strongest first (as computeContacts orders them). */
export async function contactsAsOf(sql: Sql, userId: string, asOf: Date): Promise<ContactsAsOf> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [inputs, state] = await Promise.all([loadStoreInputs(tx, userId), loadStoreState(tx, userId)]);
    if (!canCarryForward(state, inputs, asOf)) {
      const contacts = computeContacts(await loadInteractions(tx, userId), { asOf, identities: inputs.decisions });
      return { contacts, source: 'inferred', inferredAgain: 0 };
    }
    // Whether anyone changed since the recompute is one cheap question; the whole address
    // state is read only when someone did.
    const [dirty, [due]] = await Promise.all([
      loadDirty(tx, userId),
      tx<{ n: number }[]>`
        select count(*)::int as n from contact_addresses where user_id = ${userId} and next_at <= ${asOf}`,
    ]);
    const replaced = new Set<string>();
    const fresh: ContactSummary[] = [];
    if (dirty.length > 0 || due!.n > 0) {
      const stored = await loadStoredAddresses(tx, userId);
      const { seeds } = seedsOf(dirty, stored, asOf);
      for await (const chunk of inferChanged(tx, userId, asOf, inputs.decisions, seeds, stored)) {
        for (const address of chunk.addresses) replaced.add(address);
        for (const c of chunk.inference.contacts) fresh.push(c.summary);
      }
    }
    const kept = (await loadStoredContacts(tx, userId, asOf)).filter((c) => !replaced.has(c.key));
    return { contacts: [...kept, ...fresh].sort(strongestFirst), source: 'stored', inferredAgain: replaced.size };
  });
}

/** computeContacts' order: strength, then email. */
function strongestFirst(a: ContactSummary, b: ContactSummary): number {
  return b.strength - a.strength || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);
}

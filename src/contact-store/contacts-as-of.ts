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
 * Everything is read in one snapshot, never a recompute half-seen: one statement when nobody
 * changed (the common case, one round trip), else one read-only, repeatable-read transaction
 * that also reads the changed people's interactions. When the
 * store cannot answer — before the user's first recompute, for an instant before the last
 * one (`--as-of` in the past), or after the user's own addresses or identity decisions
 * changed and before the recompute that follows — every interaction is read and inferred,
 * as before the store existed.
 */
import type { Fragment, Sql, TransactionSql } from 'postgres';
import { computeContacts } from '../contacts/compute-contacts.ts';
import type { IdentityDecision } from '../contacts/identity.ts';
import type { ContactSummary } from '../contacts/types.ts';
import { storedContactsJson, storedSummary, type StoredContactJson } from './contact-rows.ts';
import { inferChanged, loadDirty, loadStoredAddresses, seedsOf } from './infer-changed.ts';
import { loadInteractions } from './load-interactions.ts';
import { canCarryForward, fingerprintsOf, type StoreInputs, type StoreState } from './store-state.ts';

export interface ContactsAsOf {
  contacts: ContactSummary[];
  /** `stored`: read from the store (plus `inferredAgain` addresses); `inferred`: every interaction read. */
  source: 'stored' | 'inferred';
  inferredAgain: number;
}

/**
 * The user's contacts as of `asOf`, strongest first (as computeContacts orders them).
 * `read`: the store as storeJson read it, in the statement that claimed a digest (one round
 * trip fewer); taken as the first read here.
 */
export async function contactsAsOf(sql: Sql, userId: string, asOf: Date, read?: StoreJson): Promise<ContactsAsOf> {
  // The common case, nobody changed since the last recompute, is one statement: one round
  // trip, one snapshot.
  const store = read ? storeFromJson(read) : await readStore(sql, userId, asOf);
  if (canCarryForward(store.state, store.inputs, asOf) && !store.dirty && !store.due) {
    return { contacts: store.contacts.map((c) => storedSummary(c, asOf)).sort(strongestFirst), source: 'stored', inferredAgain: 0 };
  }
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const again = await readStore(tx, userId, asOf);
    if (!canCarryForward(again.state, again.inputs, asOf)) {
      const contacts = computeContacts(await loadInteractions(tx, userId), { asOf, identities: again.inputs.decisions });
      return { contacts, source: 'inferred', inferredAgain: 0 };
    }
    const stored = await loadStoredAddresses(tx, userId);
    const { seeds } = seedsOf(await loadDirty(tx, userId), stored, asOf);
    const replaced = new Set<string>();
    const fresh: ContactSummary[] = [];
    for await (const chunk of inferChanged(tx, userId, asOf, again.inputs.decisions, seeds, stored)) {
      for (const address of chunk.addresses) replaced.add(address);
      for (const c of chunk.inference.contacts) fresh.push(c.summary);
    }
    const kept = again.contacts.filter((c) => !replaced.has(c.key)).map((c) => storedSummary(c, asOf));
    return { contacts: [...kept, ...fresh].sort(strongestFirst), source: 'stored', inferredAgain: replaced.size };
  });
}

interface StoreRead {
  state: StoreState | undefined;
  inputs: StoreInputs;
  /** Someone's interactions changed since the recompute (dirty_contacts). */
  dirty: boolean;
  /** Someone's next interaction is history by asOf. */
  due: boolean;
  contacts: StoredContactJson[];
}

/** Everything the store says of a user, as storeJson gives it: dates as strings. */
export interface StoreJson {
  asOf: string | null;
  ownerDigest: string | null;
  decisionsDigest: string | null;
  owners: string[];
  decisions: IdentityDecision[];
  dirty: boolean;
  due: boolean;
  contacts: StoredContactJson[];
}

/**
 * Everything the store says of a user as one JSON object: a subquery, so that one statement
 * reads it all in one snapshot — this module's own, or the one that claims a digest
 * (`userId` then an SQL expression such as `u.id`).
 */
export function storeJson(sql: Sql | TransactionSql, userId: string | Fragment, asOf: Date): Fragment {
  return sql`
    select json_build_object(
             'asOf', s.as_of, 'ownerDigest', s.owner_digest, 'decisionsDigest', s.decisions_digest,
             'owners', array(select address from user_addresses where user_id = ${userId} order by address collate "C"),
             'decisions', (select coalesce(json_agg(json_build_object('a', address_a, 'b', address_b, 'decision', decision)
                                                    order by address_a collate "C", address_b collate "C"), '[]')
                             from identity_decisions where user_id = ${userId}),
             'dirty', exists (select 1 from dirty_contacts where user_id = ${userId}),
             'due', exists (select 1 from contact_addresses where user_id = ${userId} and next_at <= ${asOf}),
             'contacts', (${storedContactsJson(sql, userId)}))
      from (select 1) as one left join contact_state s on s.user_id = ${userId}`;
}

async function readStore(sql: Sql | TransactionSql, userId: string, asOf: Date): Promise<StoreRead> {
  const [row] = await sql<{ store: StoreJson }[]>`select (${storeJson(sql, userId, asOf)}) as store`;
  return storeFromJson(row!.store);
}

function storeFromJson(r: StoreJson): StoreRead {
  return {
    state:
      r.asOf && r.ownerDigest && r.decisionsDigest
        ? { asOf: new Date(r.asOf), ownerDigest: r.ownerDigest, decisionsDigest: r.decisionsDigest }
        : undefined,
    inputs: { decisions: r.decisions, ...fingerprintsOf(r.owners, r.decisions) },
    dirty: r.dirty,
    due: r.due,
    contacts: r.contacts,
  };
}

/** computeContacts' order: strength, then email. */
function strongestFirst(a: ContactSummary, b: ContactSummary): number {
  return b.strength - a.strength || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);
}

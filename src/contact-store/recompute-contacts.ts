import type { Sql, TransactionSql } from 'postgres';
import { contactStrength, inferContacts, type ContactVolumes } from '../contacts/compute-contacts.ts';
import type { IdentityDecision } from '../contacts/identity.ts';
import { insertAddresses, insertContacts } from './contact-rows.ts';
import { inferChanged, loadDirty, loadStoredAddresses, seedsOf } from './infer-changed.ts';
import { loadInteractions } from './load-interactions.ts';
import { canCarryForward, loadStoreInputs, loadStoreState } from './store-state.ts';

export interface RecomputeReport {
  /** `full` reads every interaction; `incremental` only those of the people that changed. */
  mode: 'full' | 'incremental';
  /** Contacts the user has now. */
  contacts: number;
  /** Addresses recomputed from their interactions (every one in a full recompute). */
  addresses: number;
  /** Interaction rows read. */
  interactionsRead: number;
  /** Contacts whose strength was moved forward in time without reading their interactions. */
  rolledForward: number;
}

/** Rebuilds the user's contacts as of `now`; see refreshContacts. Returns how many contacts the user has. */
export async function recomputeContacts(sql: Sql, userId: string, now: Date = new Date()): Promise<number> {
  return (await refreshContacts(sql, userId, { asOf: now })).contacts;
}

/**
 * Brings the stored contacts of a user to what computeContacts over all their interactions
 * gives as of `asOf`, reading as little as it can:
 *
 * - **incremental** (the stored contacts were computed at or before `asOf` with the same
 *   own addresses and identity decisions): the people who changed (infer-changed.ts) are
 *   recomputed from their own interactions, a chunk at a time; every other contact only has
 *   its strength moved forward to `asOf`, from its stored volumes. The result is exactly a full recompute's (test/integration/
 *   contact-recompute.test.ts compares the two on random histories).
 * - **full** otherwise: every interaction is read.
 *
 * The users row is locked for the duration: ingestion marks that row before it commits new
 * interactions (markContactsDirty), so nothing the recompute reads changes under it, and what
 * arrives meanwhile is left dirty for the next run.
 */
export async function refreshContacts(sql: Sql, userId: string, options: { asOf?: Date; full?: boolean } = {}): Promise<RecomputeReport> {
  const asOf = options.asOf ?? new Date();
  return sql.begin(async (tx) => {
    const locked = await tx`select 1 from users where id = ${userId} for update`;
    if (locked.length === 0) return { mode: 'full', contacts: 0, addresses: 0, interactionsRead: 0, rolledForward: 0 };
    const inputs = await loadStoreInputs(tx, userId);
    const state = await loadStoreState(tx, userId);
    const { decisions, ownerDigest, decisionsDigest } = inputs;
    const incremental = !options.full && canCarryForward(state, inputs, asOf);

    const report = incremental ? await incrementalRecompute(tx, userId, asOf, decisions) : await fullRecompute(tx, userId, asOf, decisions);

    await tx`
      insert into contact_state (user_id, as_of, owner_digest, decisions_digest)
      values (${userId}, ${asOf}, ${ownerDigest}, ${decisionsDigest})
      on conflict (user_id) do update
        set as_of = excluded.as_of, owner_digest = excluded.owner_digest, decisions_digest = excluded.decisions_digest`;
    await tx`update users set contacts_computed_at = clock_timestamp() where id = ${userId}`;
    return report;
  });
}

async function fullRecompute(tx: TransactionSql, userId: string, asOf: Date, decisions: IdentityDecision[]): Promise<RecomputeReport> {
  const interactions = await loadInteractions(tx, userId);
  const inference = inferContacts(interactions, { asOf, identities: decisions });
  await tx`delete from contacts where user_id = ${userId}`;
  await tx`delete from contact_addresses where user_id = ${userId}`;
  await tx`delete from dirty_contacts where user_id = ${userId}`;
  await insertContacts(tx, userId, inference.contacts);
  await insertAddresses(tx, userId, inference.addresses);
  return {
    mode: 'full',
    contacts: inference.contacts.length,
    addresses: inference.addresses.length,
    interactionsRead: interactions.length,
    rolledForward: 0,
  };
}

async function incrementalRecompute(
  tx: TransactionSql,
  userId: string,
  asOf: Date,
  decisions: IdentityDecision[],
): Promise<RecomputeReport> {
  const stored = await loadStoredAddresses(tx, userId);
  const { dirty, seeds } = seedsOf(await loadDirty(tx, userId), stored, asOf);
  let addresses = 0;
  let interactionsRead = 0;
  const recomputed = new Set<string>();
  for await (const chunk of inferChanged(tx, userId, asOf, decisions, seeds, stored)) {
    await tx`delete from contacts where user_id = ${userId} and contact = any(${chunk.addresses}::text[])`;
    await tx`delete from contact_addresses where user_id = ${userId} and address = any(${chunk.addresses}::text[])`;
    await insertContacts(tx, userId, chunk.inference.contacts);
    await insertAddresses(tx, userId, chunk.inference.addresses);
    for (const address of chunk.addresses) recomputed.add(address);
    addresses += chunk.inference.addresses.length;
    interactionsRead += chunk.interactionsRead;
  }
  if (dirty.length > 0) await tx`delete from dirty_contacts where user_id = ${userId} and contact = any(${dirty}::text[])`;

  const rolledForward = await rollForward(tx, userId, asOf, recomputed);
  const [count] = await tx<{ n: number }[]>`select count(*)::int as n from contacts where user_id = ${userId}`;
  return { mode: 'incremental', contacts: count!.n, addresses, interactionsRead, rolledForward };
}

/**
 * Strength fades with time even for people nobody wrote to: move every contact not just
 * recomputed to `asOf`, from its stored volumes, with the very function a full recompute uses.
 * Only rows whose stored (single-precision) strength changes are written.
 */
async function rollForward(tx: TransactionSql, userId: string, asOf: Date, skip: ReadonlySet<string>): Promise<number> {
  const rows = await tx<(ContactVolumes & { contact: string; strength: number; lastContactAt: Date })[]>`
    select contact, strength, last_contact_at as "lastContactAt",
           sent_weight as sent, sent_decaying as "sentDecaying", received_weight as received,
           received_decaying as "receivedDecaying", meeting_weight as meeting, meeting_decaying as "meetingDecaying"
      from contacts where user_id = ${userId}`;
  const contacts: string[] = [];
  const strengths: number[] = [];
  for (const row of rows) {
    if (skip.has(row.contact)) continue;
    const strength = contactStrength(row, row.lastContactAt.getTime(), asOf.getTime());
    if (Math.fround(strength) === Math.fround(row.strength)) continue;
    contacts.push(row.contact);
    strengths.push(strength);
  }
  if (contacts.length > 0) {
    await tx`
      update contacts c set strength = u.strength, computed_at = now()
        from unnest(${contacts}::text[], ${strengths}::real[]) as u(contact, strength)
       where c.user_id = ${userId} and c.contact = u.contact`;
  }
  return contacts.length;
}

/**
 * What the stored contacts of a user were computed from, and whether they can be carried
 * forward to a later instant by reading only what changed (the recompute that writes them and
 * the readers that serve the digest and `rekindle contacts` ask the same question).
 */
import { createHash } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import type { IdentityDecision } from '../contacts/identity.ts';
import { loadIdentityDecisions } from './identity-decisions.ts';

/** What inference depends on besides interactions: the user's own addresses and identity decisions. */
export interface StoreInputs {
  decisions: IdentityDecision[];
  ownerDigest: string;
  decisionsDigest: string;
}

/** A row of contact_state. */
export interface StoreState {
  asOf: Date;
  ownerDigest: string;
  decisionsDigest: string;
}

export async function loadStoreInputs(sql: Sql | TransactionSql, userId: string): Promise<StoreInputs> {
  const [owners, decisions] = await Promise.all([
    sql<{ address: string }[]>`select address from user_addresses where user_id = ${userId} order by address collate "C"`,
    loadIdentityDecisions(sql, userId),
  ]);
  return {
    decisions,
    ...fingerprintsOf(
      owners.map((o) => o.address),
      decisions,
    ),
  };
}

/** The fingerprints contact_state keeps of the user's own addresses (sorted by code point) and decisions. */
export function fingerprintsOf(owners: readonly string[], decisions: readonly IdentityDecision[]): Omit<StoreInputs, 'decisions'> {
  return {
    ownerDigest: digestOf(owners),
    decisionsDigest: digestOf(decisions.map((d) => `${d.a} ${d.b} ${d.decision}`)),
  };
}

export async function loadStoreState(sql: Sql | TransactionSql, userId: string): Promise<StoreState | undefined> {
  const [state] = await sql<StoreState[]>`
    select as_of as "asOf", owner_digest as "ownerDigest", decisions_digest as "decisionsDigest"
      from contact_state where user_id = ${userId}`;
  return state;
}

/**
 * The stored contacts, plus the people who changed since, give every contact as of `asOf`:
 * they were computed at or before it, from the same own addresses and identity decisions
 * (either changes who every contact is, so only a full inference can answer).
 */
export function canCarryForward(state: StoreState | undefined, inputs: StoreInputs, asOf: Date): state is StoreState {
  return (
    state !== undefined &&
    state.ownerDigest === inputs.ownerDigest &&
    state.decisionsDigest === inputs.decisionsDigest &&
    state.asOf.getTime() <= asOf.getTime()
  );
}

/** A fingerprint of a list (the user's own addresses, their identity decisions). */
function digestOf(values: readonly string[]): string {
  return createHash('sha256').update(values.join('\n')).digest('base64url');
}

/**
 * The people whose stored contact no longer holds as of `asOf`, inferred again from their own
 * interactions: the addresses in `dirty_contacts` (new or removed interactions) and those
 * whose next interaction has become history since, widened to every address that could be
 * one person with them (recompute-closure.ts). A chunk of connected groups at a time, so
 * memory stays flat however big the change. The recompute writes each chunk back; a reader
 * puts it in place of the stored rows in memory. Either way the result is exactly what
 * inference over every interaction gives (test/integration/contact-recompute.test.ts).
 */
import type { TransactionSql } from 'postgres';
import { inferContacts, type Inference } from '../contacts/compute-contacts.ts';
import type { IdentityDecision } from '../contacts/identity.ts';
import { loadInteractionsOf } from './load-interactions.ts';
import { closureOf, type StoredAddress } from './recompute-closure.ts';

/** Interactions read at once, so memory stays flat however big the change. */
export const CHUNK_INTERACTIONS = 40_000;

export interface Seeds {
  /** Addresses in dirty_contacts. */
  dirty: string[];
  /** The dirty ones and those whose next interaction is history as of asOf. */
  seeds: Set<string>;
}

/** Addresses whose next interaction is history now, as well as those with new or removed ones. */
export function seedsOf(dirty: string[], stored: readonly StoredAddress[], asOf: Date): Seeds {
  const seeds = new Set(dirty);
  for (const s of stored) if (s.nextAt !== null && s.nextAt.getTime() <= asOf.getTime()) seeds.add(s.address);
  return { dirty, seeds };
}

export async function loadDirty(tx: TransactionSql, userId: string): Promise<string[]> {
  return (await tx<{ contact: string }[]>`select contact from dirty_contacts where user_id = ${userId}`).map((d) => d.contact);
}

export async function loadStoredAddresses(tx: TransactionSql, userId: string): Promise<StoredAddress[]> {
  return tx<StoredAddress[]>`
    select address, name_key as "nameKey", person, next_at as "nextAt" from contact_addresses where user_id = ${userId}`;
}

export interface InferredChunk {
  /** The addresses inferred again: stored contacts keyed by any of them are replaced. */
  addresses: string[];
  inference: Inference;
  interactionsRead: number;
}

/** The seeds' people, inferred as of asOf, a chunk at a time; nothing when there are no seeds. */
export async function* inferChanged(
  tx: TransactionSql,
  userId: string,
  asOf: Date,
  decisions: readonly IdentityDecision[],
  seeds: ReadonlySet<string>,
  stored: readonly StoredAddress[],
): AsyncGenerator<InferredChunk> {
  if (seeds.size === 0) return;
  // Their usual names as of now decide which name groups they join (the stored ones may be stale).
  const names = await tx<{ contact: string; name: string; count: number; last: Date }[]>`
    select contact, contact_name as name, count(*)::int as count, max(occurred_at) as last
      from interactions
     where user_id = ${userId} and contact = any(${[...seeds]}::text[]) and occurred_at <= ${asOf}
       and contact_name is not null and weight > 0 and weight < 'Infinity'::real
     group by contact, contact_name`;
  const closure = closureOf({ seeds, stored, names, decisions });
  const sizes = new Map(
    (
      await tx<{ contact: string; count: number }[]>`
        select contact, count(*)::int as count from interactions
         where user_id = ${userId} and contact = any(${[...closure.addresses]}::text[]) group by contact`
    ).map((r) => [r.contact, r.count]),
  );
  for (const chunk of chunksOf(closure.components, sizes, CHUNK_INTERACTIONS)) {
    const interactions = await loadInteractionsOf(tx, userId, chunk);
    yield {
      addresses: chunk,
      inference: inferContacts(interactions, { asOf, identities: decisions }),
      interactionsRead: interactions.length,
    };
  }
}

/** Components in chunks of about `budget` interactions (a bigger component is a chunk of its own). */
function* chunksOf(components: string[][], sizes: Map<string, number>, budget: number): Generator<string[]> {
  let chunk: string[] = [];
  let size = 0;
  for (const component of components) {
    const weight = component.reduce((sum, address) => sum + (sizes.get(address) ?? 0), 0);
    if (chunk.length > 0 && size + weight > budget) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(...component);
    size += weight;
  }
  if (chunk.length > 0) yield chunk;
}

import type { Sql, TransactionSql } from 'postgres';
import type { IdentityDecision } from '../contacts/identity.ts';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import { markContactsDirty } from '../sync/insert-interactions.ts';

/** The user's merge and split decisions, for computeContacts, in a fixed order. */
export async function loadIdentityDecisions(sql: Sql | TransactionSql, userId: string): Promise<IdentityDecision[]> {
  return sql<IdentityDecision[]>`
    select address_a as a, address_b as b, decision from identity_decisions where user_id = ${userId}
     order by address_a collate "C", address_b collate "C"`;
}

/**
 * Records that two addresses are one person (`merge`) or two (`split`), replacing any earlier
 * decision about the pair; `undo` forgets it, so the automatic rules apply again. Either way
 * the contacts are recomputed. Throws on something that is not an address.
 */
export async function decideIdentity(
  sql: Sql,
  userId: string,
  first: string,
  second: string,
  decision: IdentityDecision['decision'] | 'undo',
): Promise<void> {
  const a = normalizeAddress(first);
  const b = normalizeAddress(second);
  if (a === null) throw new Error(`Not an e-mail address: ${first}`);
  if (b === null) throw new Error(`Not an e-mail address: ${second}`);
  if (a === b) throw new Error(`${first} and ${second} are the same address`);
  const [low, high] = a < b ? [a, b] : [b, a];
  await sql.begin(async (tx) => {
    if (decision === 'undo') {
      await tx`delete from identity_decisions where user_id = ${userId} and address_a = ${low} and address_b = ${high}`;
    } else {
      await tx`
        insert into identity_decisions (user_id, address_a, address_b, decision) values (${userId}, ${low}, ${high}, ${decision})
        on conflict (user_id, address_a, address_b) do update set decision = excluded.decision, created_at = now()`;
    }
    await markContactsDirty(tx, userId);
  });
}

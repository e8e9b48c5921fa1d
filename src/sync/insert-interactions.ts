import type { Sql, TransactionSql } from 'postgres';
import type { InteractionRecord } from '../contacts/types.ts';

/** Postgres caps a statement at 65,535 parameters; arrays keep it at one per column. */
const BATCH = 5_000;

/**
 * Inserts interactions, ignoring ones already stored, and marks the people who got new ones
 * as due for a recompute. Returns how many rows were new.
 */
export async function insertInteractions(
  sql: Sql | TransactionSql,
  userId: string,
  accountId: string,
  records: InteractionRecord[],
): Promise<number> {
  let inserted = 0;
  const touched = new Set<string>();
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    const rows = await sql<{ contact: string }[]>`
      insert into interactions (user_id, account_id, source_key, contact, address, kind, occurred_at, weight,
                                contact_name, participants, thread_key, subject)
      select ${userId}, ${accountId}, * from unnest(
        ${batch.map((r) => r.sourceKey)}::text[],
        ${batch.map((r) => r.contact)}::text[],
        ${batch.map((r) => r.address)}::text[],
        ${batch.map((r) => r.kind)}::text[],
        ${batch.map((r) => r.occurredAt.toISOString())}::timestamptz[],
        ${batch.map((r) => r.weight)}::real[],
        ${batch.map((r) => r.contactName)}::text[],
        ${batch.map((r) => r.participants)}::int[],
        ${batch.map((r) => r.threadKey)}::text[],
        ${batch.map((r) => r.subject)}::text[])
      on conflict do nothing
      returning contact`;
    inserted += rows.count;
    for (const row of rows) touched.add(row.contact);
  }
  if (inserted > 0) await markContactsDirty(sql, userId, [...touched]);
  return inserted;
}

/**
 * Says the user's contacts need a recompute, and (when known) whose interactions changed, so
 * the recompute reads only theirs. The users row is updated first: a recompute holds that
 * row's lock while it reads (see recomputeContacts), so a transaction that marks it waits
 * and commits after the recompute, never half-seen by it; and both take the users row
 * before any dirty_contacts row, so they cannot deadlock.
 */
export async function markContactsDirty(sql: Sql | TransactionSql, userId: string, contacts: readonly string[] = []): Promise<void> {
  await sql`update users set contacts_dirty_at = clock_timestamp() where id = ${userId}`;
  if (contacts.length === 0) return;
  await sql`
    insert into dirty_contacts (user_id, contact)
    select ${userId}, c from unnest(${contacts as string[]}::text[]) as c
    on conflict do nothing`;
}

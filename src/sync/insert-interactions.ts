import type { Sql, TransactionSql } from 'postgres';
import type { InteractionRecord } from '../contacts/types.ts';

/** Postgres caps a statement at 65,535 parameters; arrays keep it at one per column. */
const BATCH = 5_000;

/**
 * Inserts interactions, ignoring ones already stored, and marks the user's contacts as due
 * for a recompute when anything new arrived. Returns how many rows were new.
 */
export async function insertInteractions(
  sql: Sql | TransactionSql,
  userId: string,
  accountId: string,
  records: InteractionRecord[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    const result = await sql`
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
      on conflict do nothing`;
    inserted += result.count;
  }
  if (inserted > 0) await markContactsDirty(sql, userId);
  return inserted;
}

export async function markContactsDirty(sql: Sql | TransactionSql, userId: string): Promise<void> {
  await sql`update users set contacts_dirty_at = clock_timestamp() where id = ${userId}`;
}

import type { Sql, TransactionSql } from 'postgres';
import type { InteractionRecord } from '../contacts/types.ts';

const COLUMNS = `source_key as "sourceKey", contact, address, kind, occurred_at as "occurredAt", weight,
                 contact_name as "contactName", participants, thread_key as "threadKey", subject`;

/**
 * Every interaction of a user, minus those with the user's own addresses (an alias learned
 * after its mail was ingested must not show up as a contact).
 */
export async function loadInteractions(sql: Sql | TransactionSql, userId: string): Promise<InteractionRecord[]> {
  return sql<InteractionRecord[]>`
    select ${sql.unsafe(COLUMNS)}
      from interactions i
     where i.user_id = ${userId}
       and not exists (select 1 from user_addresses u where u.user_id = i.user_id and u.address = i.contact)`;
}

/** The interactions of some of the user's addresses (through the user-and-contact index), the user's own aside. */
export async function loadInteractionsOf(
  sql: Sql | TransactionSql,
  userId: string,
  contacts: readonly string[],
): Promise<InteractionRecord[]> {
  if (contacts.length === 0) return [];
  return sql<InteractionRecord[]>`
    select ${sql.unsafe(COLUMNS)}
      from interactions i
     where i.user_id = ${userId}
       and i.contact = any(${contacts as string[]}::text[])
       and not exists (select 1 from user_addresses u where u.user_id = i.user_id and u.address = i.contact)`;
}

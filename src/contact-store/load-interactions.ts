import type { Sql } from 'postgres';
import type { InteractionRecord } from '../contacts/types.ts';

/**
 * Every interaction of a user, minus those with the user's own addresses (an alias learned
 * after its mail was ingested must not show up as a contact).
 */
export async function loadInteractions(sql: Sql, userId: string): Promise<InteractionRecord[]> {
  return sql<InteractionRecord[]>`
    select source_key as "sourceKey", contact, address, kind, occurred_at as "occurredAt", weight,
           contact_name as "contactName", participants, thread_key as "threadKey", subject
      from interactions i
     where i.user_id = ${userId}
       and not exists (select 1 from user_addresses u where u.user_id = i.user_id and u.address = i.contact)`;
}

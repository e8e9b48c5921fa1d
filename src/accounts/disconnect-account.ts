/**
 * Disconnecting a mailbox deletes its grant and everything rekindle derived from it: the
 * account row with its tokens, its sync streams, the message and event metadata it synced,
 * and its interactions. Then the user's contacts are recomputed from what is left.
 *
 * One message (or meeting) seen in two of the user's mailboxes is stored as one interaction,
 * owned by the mailbox that synced it first. Before that owner goes, such interactions move to
 * another mailbox of the user that also holds the message, so it keeps counting — once.
 *
 * Left as they were: the user, their settings, their other mailboxes, their addresses (the
 * mailbox's address stays one of theirs, so it never turns into a contact), their marks and
 * past digests.
 */
import type { Sql } from '../db/client.ts';
import { recomputeContacts } from '../contact-store/recompute-contacts.ts';

export interface DisconnectResult {
  /** Interactions deleted with the mailbox. */
  deletedInteractions: number;
  /** Interactions kept because another mailbox of the user holds the same message or meeting. */
  movedInteractions: number;
  contacts: number;
}

export async function disconnectAccount(sql: Sql, userId: string, accountId: string): Promise<DisconnectResult | null> {
  const result = await sql.begin(async (tx) => {
    // Serializes with other changes to this user's data (replies take the same lock).
    await tx`select 1 from users where id = ${userId} for update`;
    const [account] = await tx<{ id: string }[]>`select id from accounts where id = ${accountId} and user_id = ${userId} for update`;
    if (!account) return null;
    // Keys of what the user's other mailboxes hold (the same keys extraction gives interactions).
    const moved = await tx`
      with others as (
        select distinct on (key) key, account_id from (
          select 'mid:' || btrim(m.internet_message_id) as key, m.account_id
            from mail_messages m join accounts a on a.id = m.account_id
           where a.user_id = ${userId} and m.account_id <> ${accountId} and m.internet_message_id is not null
          union all
          select e.source_key, e.account_id
            from calendar_events e join accounts a on a.id = e.account_id
           where a.user_id = ${userId} and e.account_id <> ${accountId}) x
        order by key, account_id)
      update interactions i set account_id = o.account_id
        from others o
       where i.user_id = ${userId} and i.account_id = ${accountId} and i.source_key = o.key`;
    // Interactions still waiting for their mailbox to be resolved (Exchange DNs, bare names) move the same way.
    await tx`
      with others as (
        select distinct on (key) key, account_id from (
          select 'mid:' || btrim(m.internet_message_id) as key, m.account_id
            from mail_messages m join accounts a on a.id = m.account_id
           where a.user_id = ${userId} and m.account_id <> ${accountId} and m.internet_message_id is not null) x
        order by key, account_id)
      update pending_interactions p set account_id = o.account_id
        from others o
       where p.user_id = ${userId} and p.account_id = ${accountId} and p.source_key = o.key`;
    const deleted = await tx<{ contact: string }[]>`
      delete from interactions where user_id = ${userId} and account_id = ${accountId} returning contact`;
    await tx`delete from mail_messages where account_id = ${accountId}`;
    await tx`delete from calendar_events where account_id = ${accountId}`;
    await tx`delete from sync_streams where account_id = ${accountId}`;
    await tx`delete from accounts where id = ${accountId}`;
    // The people who lost interactions are recomputed (an incremental recompute reads only them).
    await tx`update users set contacts_dirty_at = clock_timestamp() where id = ${userId}`;
    const touched = [...new Set(deleted.map((d) => d.contact))];
    if (touched.length > 0) {
      await tx`
        insert into dirty_contacts (user_id, contact)
        select ${userId}, c from unnest(${touched}::text[]) as c
        on conflict do nothing`;
    }
    return { deletedInteractions: deleted.count, movedInteractions: moved.count };
  });
  if (!result) return null;
  const contacts = await recomputeContacts(sql, userId);
  return { ...result, contacts };
}

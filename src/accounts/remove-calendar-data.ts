import type { TransactionSql } from 'postgres';
import { markContactsDirty } from '../sync/insert-interactions.ts';

/**
 * Forgets what an account's calendar gave: its stored events, and the meetings inferred from
 * them. Called when the person takes a calendar source away (reconnecting the mailbox without
 * it, or with another server or subscription in its place). The history goes with it, as it goes
 * when a calendar is deleted at the provider or the mailbox is disconnected: rekindle keeps no
 * meeting it can no longer check against the calendar it came from (a cancelled or moved meeting
 * would otherwise count for ever). The sources that remain are then read again from scratch, so
 * a meeting they also hold comes back.
 *
 * A meeting another mailbox of the same user also holds stays, owned by that mailbox (as
 * disconnect-account.ts does), so it keeps counting once. Returns the meetings removed.
 */
export async function removeCalendarData(tx: TransactionSql, userId: string, accountId: string): Promise<number> {
  const events = await tx<{ sourceKey: string }[]>`
    delete from calendar_events where account_id = ${accountId} returning source_key as "sourceKey"`;
  const keys = [...new Set(events.map((e) => e.sourceKey))];
  if (keys.length > 0) {
    await tx`
      with others as (
        select distinct on (e.source_key) e.source_key, e.account_id
          from calendar_events e join accounts a on a.id = e.account_id
         where a.user_id = ${userId} and e.account_id <> ${accountId} and e.source_key = any(${keys}::text[])
         order by e.source_key, e.account_id)
      update interactions i set account_id = o.account_id
        from others o
       where i.user_id = ${userId} and i.kind = 'meeting' and i.account_id = ${accountId} and i.source_key = o.source_key`;
  }
  const removed = await tx<{ contact: string }[]>`
    delete from interactions where user_id = ${userId} and kind = 'meeting' and account_id = ${accountId} returning contact`;
  if (removed.count > 0) await markContactsDirty(tx, userId, [...new Set(removed.map((r) => r.contact))]);
  // The calendar stream starts again from nothing: the remaining sources are read in full. A
  // job running now loses its lease, so it stores no cursor of the old sources; whatever it still
  // writes is removed when the next full read ends (it lists only what the sources hold).
  await tx`update sync_streams set cursor = null, phase = 'backfill', lease_owner = null, lease_until = null,
                                   backfill_started_at = null, backfill_completed_at = null,
                                   next_run_at = now(), consecutive_failures = 0, last_error = null
            where account_id = ${accountId} and stream = 'calendar'`;
  return removed.count;
}

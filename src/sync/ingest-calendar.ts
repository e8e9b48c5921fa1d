import type { Sql } from 'postgres';
import { eventSourceKey, interactionsFromEvent } from '../contacts/extract-interactions.ts';
import type { Owner } from '../contacts/types.ts';
import type { CalendarEvent } from '../mail/types.ts';
import { insertInteractions, markContactsDirty } from './insert-interactions.ts';

export interface CalendarIngestTarget {
  userId: string;
  accountId: string;
  owner: Owner;
  storeSubjects: boolean;
}

/**
 * Applies a page of changed events: each event's interactions are replaced by what the event
 * says now (times, attendees and responses change), and cancelled events lose theirs.
 * `replaced` names resources given in full (CalendarPage.replaced): their stored events that
 * the page does not list go, with their interactions.
 */
export async function ingestCalendar(
  sql: Sql,
  target: CalendarIngestTarget,
  events: CalendarEvent[],
  replaced: string[] = [],
): Promise<void> {
  if (events.length === 0 && replaced.length === 0) return;
  await sql.begin(async (tx) => {
    const ids = events.map((e) => e.providerId);
    // Interactions of the previous version of each event go; the new version is inserted below.
    const previous = await tx<{ sourceKey: string }[]>`
      delete from calendar_events where account_id = ${target.accountId} and provider_id = any(${ids}::text[])
      returning source_key as "sourceKey"`;
    if (replaced.length > 0) {
      previous.push(
        ...(await tx<{ sourceKey: string }[]>`
          delete from calendar_events where account_id = ${target.accountId} and split_part(provider_id, '#', 1) = any(${replaced}::text[])
          returning source_key as "sourceKey"`),
      );
    }
    const staleKeys = [...new Set([...previous.map((p) => p.sourceKey), ...events.map((e) => eventSourceKey(e, target.accountId))])];
    const removed = await tx<{ contact: string }[]>`
      delete from interactions where user_id = ${target.userId} and kind = 'meeting' and source_key = any(${staleKeys}::text[])
      returning contact`;
    if (removed.count > 0) await markContactsDirty(tx, target.userId, [...new Set(removed.map((r) => r.contact))]);

    const live = events.filter((e) => e.status !== 'cancelled');
    if (live.length > 0) {
      await tx`
        insert into calendar_events (account_id, provider_id, source_key, starts_at, ends_at, status, attendee_count, seen_at)
        select ${target.accountId}, *, now() from unnest(
          ${live.map((e) => e.providerId)}::text[],
          ${live.map((e) => eventSourceKey(e, target.accountId))}::text[],
          ${live.map((e) => e.start?.toISOString() ?? null)}::timestamptz[],
          ${live.map((e) => e.end?.toISOString() ?? null)}::timestamptz[],
          ${live.map((e) => e.status)}::text[],
          ${live.map((e) => e.attendees.length)}::int[])`;
    }
    const records = live.flatMap((event) =>
      interactionsFromEvent(event, target.owner, { accountId: target.accountId, storeSubjects: target.storeSubjects }),
    );
    await insertInteractions(tx, target.userId, target.accountId, records);
    await tx`update sync_streams set items_synced = items_synced + ${events.length}
              where account_id = ${target.accountId} and stream = 'calendar'`;
  });
}

/**
 * After a full resync finished: events the provider no longer lists (deleted while the
 * incremental cursor was expired) are removed with their interactions.
 */
export async function removeEventsNotSeenSince(sql: Sql, target: CalendarIngestTarget, since: Date): Promise<number> {
  return sql.begin(async (tx) => {
    const gone = await tx<{ sourceKey: string }[]>`
      delete from calendar_events where account_id = ${target.accountId} and seen_at < ${since}
      returning source_key as "sourceKey"`;
    if (gone.length === 0) return 0;
    const removed = await tx<{ contact: string }[]>`
      delete from interactions where user_id = ${target.userId} and kind = 'meeting'
         and source_key = any(${gone.map((g) => g.sourceKey)}::text[])
      returning contact`;
    await markContactsDirty(tx, target.userId, [...new Set(removed.map((r) => r.contact))]);
    return gone.length;
  });
}

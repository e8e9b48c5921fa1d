import type { Sql } from 'postgres';
import { createOwner } from '../contacts/owner.ts';
import type { CalendarEvent } from '../mail/types.ts';
import { ingestCalendar } from '../sync/ingest-calendar.ts';
import type { LocalAccount } from './local-account.ts';

export interface CalendarImportSummary {
  events: number;
  interactions: number;
}

/**
 * Feeds calendar events through the live calendar ingestion, in batches. Idempotent:
 * `ingestCalendar` replaces each event's interactions, so importing the same file twice (or
 * an updated export of the same calendar) leaves one copy of every meeting.
 */
export async function importCalendar(
  sql: Sql,
  account: LocalAccount,
  events: CalendarEvent[],
  options: { storeSubjects: boolean; onProgress?: (done: number) => void },
): Promise<CalendarImportSummary> {
  const target = {
    userId: account.userId,
    accountId: account.accountId,
    owner: createOwner(account.addresses),
    storeSubjects: options.storeSubjects,
  };
  const [before] = await sql<
    { n: number }[]
  >`select count(*)::int as n from interactions where account_id = ${account.accountId} and kind = 'meeting'`;
  // One row per event id: a file that repeats an occurrence (a duplicated UID) keeps the last.
  const unique = [...new Map(events.map((event) => [event.providerId, event])).values()];
  for (let i = 0; i < unique.length; i += 500) {
    await ingestCalendar(sql, target, unique.slice(i, i + 500));
    options.onProgress?.(Math.min(unique.length, i + 500));
  }
  const [after] = await sql<
    { n: number }[]
  >`select count(*)::int as n from interactions where account_id = ${account.accountId} and kind = 'meeting'`;
  return { events: unique.length, interactions: after!.n - before!.n };
}

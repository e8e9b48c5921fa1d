import type { Sql } from 'postgres';
import { markHolds, type ContactMark } from '../contacts/select-reconnects.ts';
import type { ContactSummary } from '../contacts/types.ts';

/** What the user said about each person (src/verdicts/), by contact identity key, as curation takes it. */
export async function loadMarks(sql: Sql, userId: string): Promise<Map<string, ContactMark>> {
  const rows = await sql<({ contact: string } & ContactMark)[]>`
    select contact, status, marked_at as "markedAt", until, met_at as "metAt", cadence_days as "cadenceDays" from contact_marks where user_id = ${userId}`;
  return new Map(rows.map(({ contact, ...mark }) => [contact, mark]));
}

/** A contact's status as of a date: the mark while it holds (see selectReconnects), else active. */
export function markStatus(
  mark: ContactMark | undefined,
  contact: Pick<ContactSummary, 'lastContactAt'>,
  asOf: Date,
): 'active' | 'done' | 'snoozed' | 'never' {
  return markHolds(mark, contact, asOf.getTime()) ?? 'active';
}

/**
 * When each person was last in a digest that went out (or may have) at or before `asOf`:
 * curation lets them rest a few weeks, so a long backlog comes round over the weeks.
 */
export async function loadLastSuggested(sql: Sql, userId: string, asOf: Date): Promise<Map<string, Date>> {
  const rows = await sql<{ contact: string; at: Date }[]>`
    select i.contact, max(coalesce(d.sent_at, d.handed_to_smtp_at)) as at
      from digest_items i join digests d on d.id = i.digest_id
     where d.user_id = ${userId} and d.status in ('sending', 'sent', 'unknown')
       and coalesce(d.sent_at, d.handed_to_smtp_at) <= ${asOf}
     group by i.contact`;
  return new Map(rows.map((r) => [r.contact, r.at]));
}

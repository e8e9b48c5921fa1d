import type { Sql } from 'postgres';
import type { ContactMark } from '../contacts/select-reconnects.ts';
import type { ContactSummary } from '../contacts/types.ts';

/** The user's marks, by contact identity key, as curation takes them. */
export async function loadMarks(sql: Sql, userId: string): Promise<Map<string, ContactMark>> {
  const rows = await sql<{ contact: string; status: ContactMark['status']; markedAt: Date; until: Date | null }[]>`
    select contact, status, marked_at as "markedAt", until from contact_marks where user_id = ${userId}`;
  return new Map(rows.map((r) => [r.contact, { status: r.status, markedAt: r.markedAt, until: r.until }]));
}

/** A contact's status as of a date: the mark while it holds (see selectReconnects), else active. */
export function markStatus(mark: ContactMark | undefined, contact: Pick<ContactSummary, 'lastContactAt'>, asOf: Date): 'active' | ContactMark['status'] {
  if (!mark) return 'active';
  if (mark.status === 'never') return 'never';
  if (mark.status === 'snoozed') return mark.until !== null && mark.until.getTime() > asOf.getTime() ? 'snoozed' : 'active';
  return contact.lastContactAt.getTime() <= mark.markedAt.getTime() ? 'done' : 'active';
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

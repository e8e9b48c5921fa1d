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

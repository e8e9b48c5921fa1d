import type { Sql } from 'postgres';
import type { ContactMark } from '../contacts/select-reconnects.ts';

/** The user's marks, by contact identity key, as curation takes them. */
export async function loadMarks(sql: Sql, userId: string): Promise<Map<string, ContactMark>> {
  const rows = await sql<{ contact: string; status: ContactMark['status']; markedAt: Date; until: Date | null }[]>`
    select contact, status, marked_at as "markedAt", until from contact_marks where user_id = ${userId}`;
  return new Map(rows.map((r) => [r.contact, { status: r.status, markedAt: r.markedAt, until: r.until }]));
}

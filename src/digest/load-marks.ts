import type { Fragment, Sql, TransactionSql } from 'postgres';
import { markHolds, type ContactMark } from '../contacts/select-reconnects.ts';
import type { ContactSummary } from '../contacts/types.ts';

/** A user id, or an SQL expression that names one (`u.id`, in a statement that claims a digest and reads these with it). */
export type UserRef = string | Fragment;

type Db = Sql | TransactionSql;

/** The user's marks as one JSON array: a subquery, so a statement can read them along with other things. */
export function marksJson(sql: Db, userId: UserRef): Fragment {
  return sql`
    select coalesce(json_agg(json_build_object('contact', contact, 'status', status, 'markedAt', marked_at, 'until', until,
                                               'metAt', met_at, 'cadenceDays', cadence_days)), '[]'::json)
      from contact_marks where user_id = ${userId}`;
}

/** A mark as marksJson gives it: dates as strings. */
export interface MarkJson {
  contact: string;
  status: ContactMark['status'];
  markedAt: string | null;
  until: string | null;
  metAt: string | null;
  cadenceDays: number | null;
}

export function marksFromJson(rows: readonly MarkJson[]): Map<string, ContactMark> {
  return new Map(
    rows.map((r) => [
      r.contact,
      { status: r.status, markedAt: dateOf(r.markedAt), until: dateOf(r.until), metAt: dateOf(r.metAt), cadenceDays: r.cadenceDays },
    ]),
  );
}

/** What the user said about each person (src/verdicts/), by contact identity key, as curation takes it. */
export async function loadMarks(sql: Db, userId: string): Promise<Map<string, ContactMark>> {
  const [row] = await sql<{ marks: MarkJson[] }[]>`select (${marksJson(sql, userId)}) as marks`;
  return marksFromJson(row!.marks);
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
 * When each person was last in a digest that went out (or may have) at or before `asOf`, as
 * one JSON array: curation lets them rest a few weeks, so a long backlog comes round over the weeks.
 */
export function lastSuggestedJson(sql: Db, userId: UserRef, asOf: Date): Fragment {
  return sql`
    select coalesce(json_agg(json_build_object('contact', s.contact, 'at', s.at)), '[]'::json)
      from (select i.contact, max(coalesce(d.sent_at, d.handed_to_smtp_at)) as at
              from digest_items i join digests d on d.id = i.digest_id
             where d.user_id = ${userId} and d.status in ('sending', 'sent', 'unknown')
               and coalesce(d.sent_at, d.handed_to_smtp_at) <= ${asOf}
             group by i.contact) s`;
}

export function lastSuggestedFromJson(rows: readonly { contact: string; at: string }[]): Map<string, Date> {
  return new Map(rows.map((r) => [r.contact, new Date(r.at)]));
}

export async function loadLastSuggested(sql: Db, userId: string, asOf: Date): Promise<Map<string, Date>> {
  const [row] = await sql<
    { suggested: { contact: string; at: string }[] }[]
  >`select (${lastSuggestedJson(sql, userId, asOf)}) as suggested`;
  return lastSuggestedFromJson(row!.suggested);
}

const dateOf = (value: string | null) => (value === null ? null : new Date(value));
